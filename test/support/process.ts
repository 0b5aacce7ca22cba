import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real `src/main.ts` run with tsx in a child process, its output kept by line. */
export interface ServiceProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code (null when a signal ended it), once all output is read. */
  exited: Promise<number | null>;
  /** Resolves with the first stdout line `match` accepts, seen already or to come. */
  line(match: (line: string) => boolean): Promise<string>;
  /** Resolves with the URL the service listens on, from its start-up log line. */
  listening(): Promise<string>;
}

/** Starts the service as `npm run dev` would, with `env` added to a minimal environment. */
export function runService(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1',
      PASSWORD_HASH_COST: '10', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    stdout.push(text);
    for (const waiter of waiters.filter((w) => w.match(text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(text);
    }
  });
  createInterface({ input: child.stderr! }).on('line', (text) => stderr.push(text));
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const line = (match: (text: string) => boolean) => {
    const seen = stdout.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      waiters.push({ match, resolve });
      void exited.then((code) => reject(new Error(
        `service exited (${code}) first:\n${stderr.join('\n')}`)));
    });
  };
  const listening = async () => {
    const text = await line((l) => l.includes('"identity service listening"'));
    return (JSON.parse(text) as { url: string }).url;
  };
  return { child, stdout, stderr, exited, line, listening };
}

/** Sends SIGTERM and resolves with the exit code. */
export async function stopService(service: ServiceProcess): Promise<number | null> {
  if (service.child.exitCode === null) service.child.kill('SIGTERM');
  return service.exited;
}

/** What an operator command printed and how it ended. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run admin -- <args>` as its script does, with `env` added. */
export async function runAdminCommand(args: string[], env: Record<string, string>):
  Promise<CommandResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PASSWORD_HASH_COST: '10', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const [code] = await once(child, 'close') as [number | null];
  return { code, stdout, stderr };
}

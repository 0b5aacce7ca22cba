import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/*
 * The service in a process of its own, for tests that kill it without warning (a
 * crash): nothing of it runs in the test's process, so nothing can finish tidily.
 */

const MAIN = fileURLToPath(new URL('./service-process-main.ts', import.meta.url));

export interface ServiceProcess {
  url: string;
  /** Ends the process at once with SIGKILL, as a crash or the OOM killer would. */
  kill(): Promise<void>;
}

/** Starts the service on the environment given (DATA_DIR etc.) and waits for its URL. */
export async function startServiceProcess(env: Record<string, string>):
  Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk.toString('utf8')));
  const url = await firstLine(child).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`the service process did not start: ${String(error)}\n${errors.join('')}`);
  });
  return {
    url,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`exited with code ${String(code)}`);
  });
  const line = once(lines, 'line').then(([text]) => (JSON.parse(text as string) as
    { url: string }).url);
  return Promise.race([line, exited]);
}

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** A throwaway PostgreSQL cluster in a temporary folder, on 127.0.0.1. */
export interface TestPostgres {
  /** postgres:// URL of the cluster's `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

/** The folder holding both initdb and postgres: PATH first, then Debian's layout. */
export function findPostgresBin(): string | null {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const debian = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
      .map((version) => join('/usr/lib/postgresql', version, 'bin'))
    : [];
  return [...onPath, ...debian].find((dir) =>
    existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) ?? null;
}

/** uid and gid of `nobody`: PostgreSQL refuses to run as root. */
function nobody(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n')
    .find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('no "nobody" user to run as');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Command and arguments that run `binary` as an unprivileged user when we are root. */
function unprivileged(binary: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [binary, args];
  const { uid, gid } = nobody();
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', binary, ...args]];
}

/** A TCP port free right now on 127.0.0.1, picked by the OS. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Polls until the server answers a query; it needs a moment after its start. */
async function waitUntilReady(url: string, server: ChildProcess, log: string[]): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (server.exitCode !== null) throw new Error(`postgres exited:\n${log.join('')}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch {
      await sleep(100);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`postgres did not become ready:\n${log.join('')}`);
}

/**
 * Creates a cluster with initdb in a fresh temporary folder and starts it on a port
 * picked here. Throws when the binaries are missing (test/setup/system-packages.mjs
 * installs them).
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('initdb and postgres not found; run test/setup/system-packages.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'idp-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = nobody();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  execFileSync(...unprivileged(join(bin, 'initdb'), ['-D', data, '-U', 'postgres',
    '--auth=trust', '--encoding=UTF8', '--locale=C']), { stdio: 'pipe' });
  const port = await freePort();
  const server = spawn(...unprivileged(join(bin, 'postgres'), ['-D', data, '-h', '127.0.0.1',
    '-p', String(port), '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off']),
  { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  server.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = once(server, 'exit');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    // SIGINT is PostgreSQL's "fast" shutdown: it ends sessions and stops cleanly.
    if (server.exitCode === null) server.kill('SIGINT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, server, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

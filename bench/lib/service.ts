import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** Root of the repository, where `dist/` is built and `node_modules/` lives. */
export const ROOT = new URL('../../', import.meta.url).pathname;

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const running = new Set<ChildProcess>();

/**
 * Compiles the service the way `npm start` runs it, so the process under test carries no
 * TypeScript loader (which would add memory and start-up time of its own).
 */
export function buildService(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'],
    { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building the service failed');
}

/** A fresh, empty data directory for one service under test. */
export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'idp-bench-'));
}

export interface ServiceProcess {
  url: string;
  pid: number;
  apiKey: string;
  adminPassword: string;
  dataDir: string;
  /** Resident memory now and at its peak, in bytes, read from the kernel. */
  memory(): { rss: number; peakRss: number };
  /** CPU time the process has used so far, user and system, in seconds (Linux). */
  cpuSeconds(): number;
  /** Last lines the service wrote, for a failure message. */
  recentOutput(): string;
  /** SIGTERM, then SIGKILL if it does not stop; removes the data directory. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Data directory to use (e.g. one seeded beforehand); a fresh one when absent. */
  dataDir?: string;
  env?: Record<string, string>;
  /** Extra node flags, such as --cpu-prof. */
  nodeFlags?: string[];
}

/**
 * A port free on 127.0.0.1 now, picked by the OS. The service needs its port before it
 * starts: every URL it hands out (SAML issuer, destinations, login origin) names it.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the built service as its own process on 127.0.0.1, on a port the OS picked, and
 * waits until it listens. The first-start credentials are read from its console output.
 */
export async function startServiceProcess(options: StartOptions = {}): Promise<ServiceProcess> {
  const dataDir = options.dataDir ?? makeDataDir();
  const port = await freePort();
  const child = spawn(process.execPath,
    [...profileFlags(), ...(options.nodeFlags ?? []), join(ROOT, 'dist', 'src', 'main.js')], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production',
        PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATA_DIR: dataDir, CERTS_DIR: join(dataDir, 'certs'),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  running.add(child);
  const output: string[] = [];
  const remember = (line: string) => {
    output.push(line);
    if (output.length > 40) output.shift();
  };
  createInterface({ input: child.stderr! }).on('line', remember);
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const started = await readStartup(lines, remember, exited);
    const service: ServiceProcess = {
      ...started, pid: child.pid!, dataDir,
      memory: () => readMemory(child.pid!),
      cpuSeconds: () => readCpuSeconds(child.pid!),
      recentOutput: () => output.join('\n'),
      stop: () => stopChild(child, exited, options.dataDir ? null : dataDir),
    };
    return service;
  } catch (error) {
    await stopChild(child, exited, options.dataDir ? null : dataDir);
    throw new Error(`${(error as Error).message}\n${output.join('\n')}`);
  }
}

/**
 * With BENCH_CPU_PROF=<folder>, every service under test writes a V8 CPU profile there
 * when it stops (open it in Chrome DevTools), to show where a missed target goes.
 */
function profileFlags(): string[] {
  const folder = process.env.BENCH_CPU_PROF;
  return folder ? ['--cpu-prof', `--cpu-prof-dir=${folder}`] : [];
}

/** Reads console lines until the service says where it listens. */
function readStartup(lines: ReturnType<typeof createInterface>, remember: (l: string) => void,
  exited: Promise<void>): Promise<{ url: string; apiKey: string; adminPassword: string }> {
  let apiKey = '';
  let adminPassword = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the service did not start in time')),
      START_TIMEOUT_MS);
    void exited.then(() => reject(new Error('the service exited during start-up')));
    lines.on('line', (line) => {
      remember(line);
      apiKey = /x-api-key header\): (\S+)/.exec(line)?.[1] ?? apiKey;
      adminPassword = /password: (\S+)/.exec(line)?.[1] ?? adminPassword;
      const url = listeningUrl(line);
      if (url) {
        clearTimeout(timer);
        resolve({ url, apiKey, adminPassword });
      }
    });
  });
}

function listeningUrl(line: string): string | null {
  if (!line.startsWith('{')) return null;
  try {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    return entry.msg === 'identity service listening' && entry.url ? entry.url : null;
  } catch {
    return null;
  }
}

/** Resident set size from /proc (Linux), or from `ps` elsewhere. */
function readMemory(pid: number): { rss: number; peakRss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
    return { rss: kb('VmRSS') * 1024, peakRss: kb('VmHWM') * 1024 };
  } catch {
    const rss = Number(spawnSync('ps', ['-o', 'rss=', '-p', String(pid)]).stdout) * 1024;
    return { rss, peakRss: rss };
  }
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on Linux. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

/** CPU time process `pid` has used so far, user and system, in seconds (Linux). */
export function readCpuSeconds(pid: number): number {
  // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function stopChild(child: ChildProcess, exited: Promise<void>, removeDir: string | null):
  Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
  if (removeDir) rmSync(removeDir, { recursive: true, force: true });
}

/** Kills every child still running; for the runner's exit path after a failure. */
export function killAllServices(): void {
  for (const child of running) child.kill('SIGKILL');
}

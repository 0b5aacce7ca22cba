import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './service.js';

/** What the load generator sends. */
export interface LoadSpec {
  /** Base URL and default path, e.g. http://127.0.0.1:8123/healthz. */
  url: string;
  connections: number;
  /** Measured time, after the warm-up. */
  seconds: number;
  warmupSeconds?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Paths (with query) sent in turn, one per request; the URL's path when absent. */
  paths?: string[];
  /** Statuses counted as served; 200 when absent. */
  expectStatus?: number[];
  /**
   * Logins through the login form: each is a fresh browser's GET of the login page (for
   * its session cookie and CSRF token), then the POST of these credentials. Only the
   * POST's answer is tallied.
   */
  loginForm?: { username: string; password: string };
}

/** What came back, latencies in milliseconds from the load generator's side. */
export interface LoadResult {
  requests: number;
  /** Answers with an expected status. */
  expected: number;
  /** Expected answers per second of measured time. */
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  seconds: number;
}

const WORKER = join(ROOT, 'bench', 'lib', 'load-worker.ts');

/**
 * Runs autocannon in a separate process against `spec.url` and returns its figures.
 * Throws when the generator fails or the service answered nothing expected.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const specFile = join(tmpdir(), `idp-bench-load-${process.pid}-${Date.now()}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  try {
    const output = await runWorker(specFile,
      (spec.seconds + (spec.warmupSeconds ?? 0)) * 1000 + 60_000);
    const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as LoadResult;
    if (!(result.expected > 0)) {
      throw new Error(`no expected answer from ${spec.url}: ${JSON.stringify(result.statuses)}`);
    }
    return result;
  } finally {
    rmSync(specFile, { force: true });
  }
}

function runWorker(specFile: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, specFile],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`load generator exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

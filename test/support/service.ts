import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { type RunningService, startService } from '../../src/service.js';

/** Log lines a test service wrote, as raw JSON text, for assertions on what is logged. */
export class CapturedLog extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestService extends RunningService {
  dataDir: string;
  config: Config;
  log: CapturedLog;
  /** The first-start API key (kept across restarts of the same data directory). */
  apiKey: string;
  adminPassword: string;
  /** Stops and starts again on the same data directory. */
  restart(): Promise<TestService>;
  /** Stops and removes the data directory. */
  dispose(): Promise<void>;
}

/**
 * Starts the real service on 127.0.0.1 with a port the OS picks and a fresh data
 * directory, with a low password-hashing cost so tests run fast.
 */
export async function startTestService(env: Record<string, string> = {},
  reuse?: { dataDir: string; apiKey: string; adminPassword: string }): Promise<TestService> {
  const dataDir = reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'idp-test-'));
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CERTS_DIR: join(dataDir, 'certs'),
    PASSWORD_HASH_COST: '10', LOG_LEVEL: 'info', ...env,
  });
  const log = new CapturedLog();
  const running = await startService(config, createLogger(config.logLevel, log));
  // With port 0 the public URL must follow the port actually bound.
  if (!env.PUBLIC_URL) config.publicUrl = running.url;
  const apiKey = running.firstStart?.apiKey ?? reuse?.apiKey ?? '';
  const adminPassword = running.firstStart?.password ?? reuse?.adminPassword ?? '';
  const service: TestService = {
    ...running, dataDir, config, log, apiKey, adminPassword,
    async restart() {
      await running.stop();
      return startTestService(env, { dataDir, apiKey, adminPassword });
    },
    async dispose() {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return service;
}

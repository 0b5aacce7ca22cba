import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { runService, stopService } from '../support/process.js';

/** A TCP server holding a port on 127.0.0.1, so the service finds it taken. */
async function occupyPort() {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  return { port: (blocker.address() as AddressInfo).port, close: () =>
    new Promise<void>((resolve) => blocker.close(() => resolve())) };
}

describe('start-up on a port already in use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idp-busy-'));
  const env = { DATA_DIR: join(dir, 'data'), CERTS_DIR: join(dir, 'certs') };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops with one clear line and keeps the first administrator for a later start',
    async () => {
      const blocker = await occupyPort();
      const busy = runService({ ...env, PORT: String(blocker.port) });
      assert.equal(await busy.exited, 1);
      await blocker.close();
      assert.deepEqual(busy.stderr,
        [`failed to start: port ${blocker.port} on 127.0.0.1 is already in use: `
          + 'stop the other process or set PORT']);
      assert.ok(!busy.stdout.some((line) => line.includes('First start')));

      // Nothing was committed for an administrator nobody saw: the next start creates
      // one and shows its credentials.
      const next = runService({ ...env, PORT: String(blocker.port) });
      await next.listening();
      const keyLine = await next.line((line) => line.includes('admin API key'));
      assert.match(keyLine, /idp_\S+/);
      assert.equal(await stopService(next), 0);
    });
});

describe('two services started together on a fresh data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idp-pair-'));
  const started: ReturnType<typeof runService>[] = [];
  const start = (env: Record<string, string>) => {
    const service = runService(env);
    started.push(service);
    return service;
  };
  after(async () => {
    // Also those a failed assertion left running.
    for (const service of started) await stopService(service);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Listening, or the one line it stopped with. */
  const outcome = async (service: ReturnType<typeof runService>) => {
    try {
      await service.listening();
      return 'listening';
    } catch {
      await service.exited;
      return service.stderr;
    }
  };

  it('starts both, or stops the second with one clear line', async () => {
    for (let round = 0; round < 3; round += 1) {
      const env = { DATA_DIR: join(dir, `data-${round}`),
        CERTS_DIR: join(dir, `certs-${round}`) };
      const pair = [start(env), start(env)];
      const results = await Promise.all(pair.map(outcome));
      for (const result of results) {
        if (result === 'listening') continue;
        assert.equal(result.length, 1, `one line, no stack trace:\n${result.join('\n')}`);
        assert.match(result[0]!, /^failed to start: another process holds the database/);
      }
      assert.ok(results.includes('listening'), 'one of them runs');
      for (const service of pair) await stopService(service);
      // Read once both have ended, when all their output is in.
      const shown = pair.filter((p) => p.stdout.some((l) => l.includes('First start')));
      assert.equal(shown.length, 1, 'one administrator, its credentials shown once');
      // The directory both started on is whole: a later start runs on it.
      const again = start(env);
      await again.listening();
      assert.equal(await stopService(again), 0);
    }
  });

  it('stops with one clear line when another process keeps the database locked',
    async () => {
      const env = { DATA_DIR: join(dir, 'locked'), CERTS_DIR: join(dir, 'locked-certs') };
      const first = start(env);
      await first.listening();
      assert.equal(await stopService(first), 0);
      const holder = new SQLite(join(env.DATA_DIR, 'identity.db'));
      try {
        holder.exec('begin immediate');
        const blocked = start(env);
        assert.equal(await blocked.exited, 1);
        assert.deepEqual(blocked.stderr, ['failed to start: another process holds the '
          + 'database in DATA_DIR locked (a second service on the same data?): stop it, or '
          + 'start this one again later']);
      } finally {
        holder.close();
      }
    });
});

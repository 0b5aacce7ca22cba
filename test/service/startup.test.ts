import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
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

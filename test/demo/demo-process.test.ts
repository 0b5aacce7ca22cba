import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { startDemo } from '../support/demo/demo.js';

/** Holds a port on 127.0.0.1 until closed. */
async function holdPort(): Promise<Server> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** A port nothing listens on just now. */
async function freePort(): Promise<number> {
  const server = await holdPort();
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs the demo's main.ts as `npm run demo` does, with `env` and its own temp folder. */
function runDemo(env: Record<string, string>, temp: string) {
  return spawn(process.execPath, ['--import', 'tsx', 'test/support/demo/main.ts'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', PASSWORD_HASH_COST: '10',
      TMPDIR: temp, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const demoFolders = (temp: string) => readdirSync(temp).filter((f) => f.startsWith('idp-demo-'));

describe('the demo', () => {
  const root = mkdtempSync(join(tmpdir(), 'idp-demo-test-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('removes its data folder when its port is taken', async () => {
    const busy = await holdPort();
    const dataRoot = mkdtempSync(join(root, 'busy-'));
    try {
      await assert.rejects(startDemo({ port: portOf(busy), logLevel: 'silent', dataRoot }),
        /is already in use/);
      assert.deepEqual(readdirSync(dataRoot), []);
    } finally {
      busy.close();
    }
  });

  it('runs as `npm run demo` does, on the PORT given, and cleans up on SIGTERM', async () => {
    const port = await freePort();
    const temp = mkdtempSync(join(root, 'run-'));
    const child = runDemo({ PORT: String(port) }, temp);
    const exited = once(child, 'exit');
    const lines: string[] = [];
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.startsWith('Press Ctrl-C')) resolve();
      });
      void exited.then(() => reject(new Error(`the demo exited:\n${stderr.join('\n')}`)));
    });
    try {
      await ready;
      const output = lines.join('\n');
      assert.match(output, new RegExp(`User console: +http://127\\.0\\.0\\.1:${port}/`));
      const sampleApp = /Sample application \(SAML SP\): +(\S+)/.exec(output)![1]!;
      await request(`http://127.0.0.1:${port}`).get('/healthz').expect(200);
      const login = await request(`http://127.0.0.1:${port}`).get('/login').expect(200);
      assert.match(login.text, /Sign in/);
      const app = await request(sampleApp).get('/').expect(200);
      assert.match(app.text, /Log in with SSO/);
      assert.equal(demoFolders(temp).length, 1);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    assert.equal(code, 0);
    assert.deepEqual(demoFolders(temp), []);
  });

  it('reads the service settings from the environment, and stops on a bad one', async () => {
    const temp = mkdtempSync(join(root, 'bad-'));
    const child = runDemo({ PORT: '0', MAIL_FROM: 'not-an-address' }, temp);
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr.join('\n'), /MAIL_FROM must be a mail address, got "not-an-address"/);
    assert.deepEqual(demoFolders(temp), []);
  });
});

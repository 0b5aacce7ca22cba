import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { runService, stopService } from '../support/process.js';

/** Resolves with everything the peer sent until it closed the connection. */
async function readAll(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

/** Resolves once the peer sent `text`, leaving the connection open. */
function until(socket: Socket, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (!seen.includes(text)) return;
      socket.off('data', onData);
      resolve();
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`connection closed before "${text}"`)));
  });
}

/** Resolves with the error code of a new connection attempt, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve('connected'); });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('SIGTERM on the real process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idp-sigterm-'));
  const dataDir = join(dir, 'data');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses new connections, finishes the request in flight, closes the database, exits 0',
    async () => {
      const service = runService({ DATA_DIR: dataDir, CERTS_DIR: join(dir, 'certs') });
      try {
        const url = new URL(await service.listening());
        const keyLine = await service.line((l) => l.includes('admin API key'));
        const apiKey = /(idp_\S+)/.exec(keyLine)![1]!;
        const body = JSON.stringify({ username: 'late', email: 'late@example.com' });
        const port = Number(url.port);

        // A request whose body is still on its way. "Expect: 100-continue" makes the
        // server confirm it has the request in hand before the body is sent.
        const slow = connect(port, '127.0.0.1');
        await once(slow, 'connect');
        slow.write(['POST /api/v1/users HTTP/1.1', `host: ${url.host}`,
          `x-api-key: ${apiKey}`, 'content-type: application/json',
          `content-length: ${body.length}`, 'expect: 100-continue', '', ''].join('\r\n'));
        await until(slow, '100 Continue');

        service.child.kill('SIGTERM');
        await service.line((l) => l.includes('stopping: finishing requests in flight'));
        assert.equal(await tryConnect(port), 'ECONNREFUSED');

        const answer = readAll(slow);
        slow.write(body);
        const response = await answer;
        assert.match(response, /^HTTP\/1\.1 201 /);
        assert.match(response, /connection: close/i);
        assert.match(response, /"username":"late"/);
        assert.equal(await service.exited, 0);
      } finally {
        await stopService(service);
      }

      // Closed cleanly: the write-ahead log was folded into the file and removed, and
      // the request that was in flight is committed.
      assert.equal(existsSync(join(dataDir, 'identity.db-wal')), false);
      const file = new SQLite(join(dataDir, 'identity.db'), { readonly: true });
      try {
        const row = file.prepare('select username from users where username_lc = ?')
          .get('late') as { username: string } | undefined;
        assert.equal(row?.username, 'late');
      } finally {
        file.close();
      }
    });
});

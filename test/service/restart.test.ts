import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { runService, stopService } from '../support/process.js';

/** Permission bits of a file or folder, e.g. 0o600. */
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('restart of the real process on one data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-restart-'));
  const env = { DATA_DIR: join(dataDir, 'data'), CERTS_DIR: join(dataDir, 'certs') };
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps data and secrets, and prints the first-start credentials only once', async () => {
    const first = runService(env);
    const firstUrl = await first.listening();
    const keyLine = await first.line((l) => l.includes('admin API key'));
    const passwordLine = await first.line((l) => l.includes('password:'));
    const apiKey = /(idp_\S+)/.exec(keyLine)![1]!;
    const password = /password: (\S+)/.exec(passwordLine)![1]!;
    const created = await request(firstUrl).post('/api/v1/users').set('x-api-key', apiKey)
      .send({ username: 'survivor', email: 'survivor@example.com' }).expect(201);
    const secretsPath = join(env.DATA_DIR, 'secrets.json');
    const secrets = readFileSync(secretsPath, 'utf8');
    assert.equal(modeOf(secretsPath), 0o600);
    assert.equal(modeOf(env.DATA_DIR), 0o700);
    assert.equal(modeOf(join(env.DATA_DIR, 'identity.db')), 0o600);
    assert.equal(await stopService(first), 0);
    const firstLogLines = first.stdout.filter((l) => l.startsWith('{'));
    assert.ok(firstLogLines.length > 0);
    for (const line of firstLogLines) {
      assert.ok(!line.includes(apiKey) && !line.includes(password), line);
    }

    const second = runService(env);
    const secondUrl = await second.listening();
    const read = await request(secondUrl).get(`/api/v1/users/${created.body.id}`)
      .set('x-api-key', apiKey).expect(200);
    assert.equal(read.body.username, 'survivor');
    assert.equal(readFileSync(secretsPath, 'utf8'), secrets);
    assert.equal(await stopService(second), 0);
    const output = [...second.stdout, ...second.stderr].join('\n');
    assert.ok(!output.includes('First start'));
    assert.ok(!output.includes(apiKey));
    assert.ok(!output.includes(password));
  });
});

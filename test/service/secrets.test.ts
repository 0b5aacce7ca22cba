import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { StartupError } from '../../src/startup-error.js';
import { runService } from '../support/process.js';
import { startTestService, type TestService } from '../support/service.js';

/** Secrets as a file of another installation would hold them. */
const FOREIGN = JSON.stringify({ sessionSecret: 'another-installation',
  encryptionKey: Buffer.alloc(32, 7).toString('base64') });

/** Asserts that the start is refused; a service that started anyway is stopped first. */
async function assertRefused(start: Promise<TestService>, expected: (error: Error) => boolean) {
  const outcome = await start.then((service) => service, (error: Error) => error);
  if (!(outcome instanceof Error)) {
    await outcome.stop();
    assert.fail('the service started');
  }
  assert.ok(expected(outcome), outcome.message);
}

describe('secrets that belong to the database', () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'idp-secrets-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('refuses to start when the secrets file is lost, and makes no new one', async () => {
    const first = await startTestService();
    dirs.push(first.dataDir);
    await first.stop();
    const path = join(first.dataDir, 'secrets.json');
    rmSync(path);
    await assertRefused(startTestService({}, first), (error) =>
      error instanceof StartupError
      && error.message === `${path} is missing, but the database was set up with the `
        + 'secrets it held: restore it from the backup taken with the database');
    assert.equal(existsSync(path), false);
  });

  it('refuses to start with the secrets file of another installation', async () => {
    const first = await startTestService();
    dirs.push(first.dataDir);
    await first.stop();
    const path = join(first.dataDir, 'secrets.json');
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, FOREIGN);
    await assertRefused(startTestService({}, first), (error) =>
      /secrets\.json does not belong to this database: restore the secrets file/
        .test(error.message));
    // The right file back, the service starts and the stored data is there.
    writeFileSync(path, original);
    const again = await startTestService({}, first);
    await request(again.url).get('/api/v1/users').set('x-api-key', first.apiKey).expect(200);
    await again.stop();
  });

  it('keeps the secrets where SECRETS_FILE says, owner-only', async () => {
    const dir = freshDir();
    const secretsFile = join(dir, 'keys', 'identity-secrets.json');
    const service = await startTestService({ SECRETS_FILE: secretsFile });
    dirs.push(service.dataDir);
    await service.stop();
    assert.equal(statSync(secretsFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'keys')).mode & 0o777, 0o700);
    assert.equal(existsSync(join(service.dataDir, 'secrets.json')), false);
  });

  it('tells the operator in one line when the real process refuses', async () => {
    const dir = freshDir();
    const env = { DATA_DIR: join(dir, 'data'), CERTS_DIR: join(dir, 'certs') };
    const first = runService(env);
    await first.listening();
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    writeFileSync(join(env.DATA_DIR, 'secrets.json'), FOREIGN);
    const second = runService(env);
    assert.equal(await second.exited, 1);
    assert.equal(second.stderr.length, 1, second.stderr.join('\n'));
    assert.match(second.stderr[0]!, /^failed to start: .*secrets\.json does not belong/);
  });
});

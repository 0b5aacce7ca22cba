import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, developmentNotices, loadConfig } from '../../src/config.js';
import { runService } from '../support/process.js';

/** Every setting given a wrong value, with the word each problem line must name. */
function invalidEnvironment(aFile: string): { env: Record<string, string>; names: string[] } {
  const env = {
    PORT: '80000', HOST: 'not a host!', PUBLIC_URL: 'ftp://idp.example.com',
    DATA_DIR: aFile, CERTS_DIR: aFile, DATABASE_URL: 'mysql://db/identity',
    LOG_LEVEL: 'loud', PASSWORD_HASH_COST: '9', CERT_VALIDITY_DAYS: 'ten',
    MAX_BODY_BYTES: '12.5', SHUTDOWN_GRACE_SECONDS: '-1',
  };
  return { env, names: Object.keys(env) };
}

describe('configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idp-config-'));
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, 'not a folder');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has defaults that run on a laptop', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(config.dataDir, resolve('data'));
    assert.equal(config.certsDir, resolve('certs'));
    assert.equal(config.databaseUrl, null);
    assert.equal(config.passwordHashCost, 15);
    assert.equal(config.shutdownGraceSeconds, 30);
    assert.deepEqual(developmentNotices(config), []);
  });

  it('takes PUBLIC_URL as given, without a trailing slash', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://sso.example.com/', HOST: '0.0.0.0' });
    assert.equal(config.publicUrl, 'https://sso.example.com');
    assert.equal(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).publicUrl,
      'http://localhost:9000');
  });

  it('lists every invalid value in one error', () => {
    const { env, names } = invalidEnvironment(aFile);
    const error = (() => {
      try {
        loadConfig(env);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, names.length, error.message);
    for (const name of names) {
      assert.ok(error.problems.some((p) => p.startsWith(name)),
        `${name} missing: ${error.message}`);
      assert.ok(error.message.includes(name));
    }
  });

  it('refuses PUBLIC_URL with a query or credentials, and never echoes DATABASE_URL', () => {
    assert.throws(() => loadConfig({ PUBLIC_URL: 'https://idp.example.com/?a=1' }),
      /PUBLIC_URL must not have a query/);
    assert.throws(() => loadConfig({ PUBLIC_URL: 'https://u:p@idp.example.com' }),
      /PUBLIC_URL must not hold credentials/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://user:s3cret@' }),
      (error: Error) => error.message.includes('DATABASE_URL')
        && !error.message.includes('s3cret'));
  });

  it('warns at start-up about settings fit only for development', () => {
    const notices = developmentNotices(loadConfig({ PASSWORD_HASH_COST: '10',
      PUBLIC_URL: 'http://idp.example.com' }));
    assert.equal(notices.length, 2);
  });

  it('stops the real process before it listens, with every problem on stderr', async () => {
    const { env, names } = invalidEnvironment(aFile);
    const service = runService(env);
    assert.equal(await service.exited, 2);
    const stderr = service.stderr.join('\n');
    for (const name of names) assert.ok(stderr.includes(name), `${name} missing: ${stderr}`);
    assert.ok(!service.stdout.some((line) => line.includes('listening')));
  });
});

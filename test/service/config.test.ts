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

/** The error `run` throws, or null. */
function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return null;
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
    const error = caught(() => loadConfig(env));
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

  it('brackets an IPv6 HOST in the derived PUBLIC_URL', () => {
    assert.equal(loadConfig({ HOST: '::1', PORT: '9000' }).publicUrl, 'http://[::1]:9000');
    assert.equal(loadConfig({ HOST: 'fe80::1', PORT: '9000' }).publicUrl,
      'http://[fe80::1]:9000');
  });

  it('reads whole numbers from digits only', () => {
    for (const raw of ['80abc', '1e3', '0x50', ' 80', '8080 ', '+80', '80.0']) {
      assert.throws(() => loadConfig({ PORT: raw }), (error: Error) =>
        error instanceof ConfigError && error.problems.length === 1
        && error.problems[0]!.startsWith('PORT must be a whole number'), raw);
    }
    assert.equal(loadConfig({ PORT: '0080' }).port, 80);
  });

  it('lists a DATA_DIR below a file as a problem with the others', () => {
    const error = caught(() => loadConfig({ DATA_DIR: join(aFile, 'data'), PORT: 'x' }));
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.problems.length, 2, error.message);
    assert.match(error.problems.find((p) => p.startsWith('DATA_DIR'))!,
      /DATA_DIR must name a folder, but a part of .* is a file/);
  });

  it('refuses a SECRETS_FILE that is a folder or lies below a file', () => {
    const error = caught(() => loadConfig({ SECRETS_FILE: dir, CERTS_DIR: join(aFile, 'c') }));
    assert.ok(error instanceof ConfigError, String(error));
    assert.deepEqual(error.problems.map((p) => p.split(' ')[0]), ['SECRETS_FILE', 'CERTS_DIR']);
    assert.match(error.problems[0]!, /SECRETS_FILE must name a file, but .* is a folder/);
    assert.match(caught(() => loadConfig({ SECRETS_FILE: join(aFile, 's.json') }))!
      .toString(), /SECRETS_FILE cannot be used: .* \(ENOTDIR\)/);
    assert.equal(loadConfig({ SECRETS_FILE: 'keys/s.json' }).secretsFile, resolve('keys/s.json'));
  });

  it('refuses an SMTP_URL without a host, never echoing it', () => {
    for (const raw of ['smtp://', 'smtp:///outbox', 'smtps://user:s3cret@']) {
      assert.throws(() => loadConfig({ SMTP_URL: raw }), (error: Error) =>
        error instanceof ConfigError && error.problems.length === 1
        && error.problems[0]!.startsWith('SMTP_URL') && !error.message.includes('s3cret'),
      raw);
    }
    assert.equal(loadConfig({ SMTP_URL: 'smtp://mail.example.com:25' }).smtpUrl,
      'smtp://mail.example.com:25');
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

import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import {
  existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateCertificate } from '../../src/certs/generate.js';
import { encryptSecret } from '../../src/secrets.js';
import { StartupError } from '../../src/startup-error.js';
import { openDatabase } from '../../src/store/db.js';
import { databaseAsOf } from '../support/migrations.js';
import { startIdp, type IdpFixture } from './helpers.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** True when the private key in `keyPem` is the one the certificate in `certPem` names. */
function pairMatches(keyPem: string, certPem: string): boolean {
  const fromKey = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  const fromCert = new X509Certificate(certPem).publicKey.export({ type: 'spki',
    format: 'der' });
  return fromKey.equals(fromCert);
}

describe('signing keys as files under CERTS_DIR', () => {
  let idp: IdpFixture;
  let certsDir: string;
  before(async () => {
    idp = await startIdp();
    certsDir = idp.service.config.certsDir;
  });
  after(() => idp.service.dispose());

  const createApp = async () => (await idp.api('post', '/applications')
    .send({ connector: 'custom-saml', label: 'Files SP' }).expect(201)).body as { id: string };

  it('writes the key pair owner-only and keeps the private key out of the database',
    async () => {
      const app = await createApp();
      const [cert] = (await idp.api('get', `/applications/${app.id}/certificates`)
        .expect(200)).body.items as { id: string; certificatePem: string }[];
      const keyPath = join(certsDir, app.id, `${cert!.id}.key.pem`);
      assert.equal(modeOf(certsDir), 0o700);
      assert.equal(modeOf(join(certsDir, app.id)), 0o700);
      assert.equal(modeOf(keyPath), 0o600);
      assert.equal(readFileSync(join(certsDir, app.id, `${cert!.id}.crt.pem`), 'utf8'),
        cert!.certificatePem);
      assert.ok(pairMatches(readFileSync(keyPath, 'utf8'), cert!.certificatePem));
      const row = await idp.service.ctx.db.selectFrom('signing_keys')
        .select('private_key_encrypted').where('id', '=', cert!.id).executeTakeFirstOrThrow();
      assert.equal(row.private_key_encrypted, '');
      const signing = await idp.service.ctx.saml.certificates.signingKey(app.id);
      assert.equal(signing.key.type, 'private');
    });

  it('drops the files of a discarded next key and of a deleted application', async () => {
    const app = await createApp();
    const first = (await idp.api('post', `/applications/${app.id}/certificates`)
      .expect(201)).body as { id: string };
    const firstFiles = ['key.pem', 'crt.pem'].map((suffix) =>
      join(certsDir, app.id, `${first.id}.${suffix}`));
    assert.ok(firstFiles.every((path) => existsSync(path)));
    await idp.api('post', `/applications/${app.id}/certificates`).expect(409);
    assert.ok(firstFiles.every((path) => existsSync(path)), 'a refused second keeps the first');
    await idp.api('post', `/applications/${app.id}/certificates/${first.id}/discard`)
      .expect(200);
    assert.deepEqual(firstFiles.filter((path) => existsSync(path)), []);
    const second = (await idp.api('post', `/applications/${app.id}/certificates`)
      .expect(201)).body as { id: string };
    assert.ok(existsSync(join(certsDir, app.id, `${second.id}.key.pem`)));
    await idp.api('delete', `/applications/${app.id}`).expect(204);
    assert.equal(existsSync(join(certsDir, app.id)), false);
  });

  it('removes the private key of the certificate a promotion retires', async () => {
    const app = await createApp();
    const [old] = (await idp.api('get', `/applications/${app.id}/certificates`)
      .expect(200)).body.items as { id: string }[];
    const next = (await idp.api('post', `/applications/${app.id}/certificates`)
      .expect(201)).body as { id: string };
    await idp.api('post', `/applications/${app.id}/certificates/${next.id}/promote`)
      .expect(200);
    const folder = join(certsDir, app.id);
    assert.equal(existsSync(join(folder, `${old!.id}.key.pem`)), false);
    assert.equal(existsSync(join(folder, `${old!.id}.crt.pem`)), true);
    assert.equal(existsSync(join(folder, `${next.id}.key.pem`)), true);
    const signing = await idp.service.ctx.saml.certificates.signingKey(app.id);
    assert.equal(signing.key.type, 'private');
  });

  it('leaves no key files behind when creating an application fails', async () => {
    const before = readdirSync(certsDir).sort();
    let fail = true;
    // A step after the key pair is written fails, once: the creation rolls back.
    idp.service.ctx.applications.onCreate(async () => {
      if (fail) {
        fail = false;
        throw new Error('a later creation step failed');
      }
    });
    await idp.api('post', '/applications').send({ connector: 'custom-saml', label: 'Fails' })
      .expect(500);
    assert.deepEqual(readdirSync(certsDir).sort(), before);
    const made = await createApp();
    assert.ok(existsSync(join(certsDir, made.id)));
  });
});

describe('the migration of stored keys into files', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A database as of 0008 holding one application whose key is encrypted in a column. */
  async function olderDatabase(encryptionKey: Buffer) {
    const dataDir = mkdtempSync(join(tmpdir(), 'idp-keymove-'));
    dirs.push(dataDir);
    const generated = generateCertificate('Older SP', 30);
    await databaseAsOf(dataDir, '0008-folded-names', async (db) => {
      await db.insertInto('applications').values({ id: 'app-1', connector: 'custom-saml',
        custom_value: 'older', label: 'Older SP', created_at: 'x', updated_at: 'x' })
        .execute();
      await db.insertInto('signing_keys').values({ id: 'key-1', application_id: 'app-1',
        status: 'active', certificate_pem: generated.certificatePem,
        private_key_encrypted: encryptSecret(encryptionKey, generated.privateKeyPem),
        fingerprint_sha256: generated.fingerprintSha256, not_before: generated.notBefore,
        not_after: generated.notAfter, created_at: 'x' }).execute();
    });
    return { dataDir, certsDir: join(dataDir, 'certs'), generated };
  }

  it('moves each key into its file and empties the column', async () => {
    const encryptionKey = Buffer.alloc(32, 3);
    const { dataDir, certsDir, generated } = await olderDatabase(encryptionKey);
    const database = await openDatabase({ dataDir, databaseUrl: null,
      keyMove: { certsDir, encryptionKey } });
    try {
      const row = await database.db.selectFrom('signing_keys').selectAll()
        .executeTakeFirstOrThrow();
      assert.equal(row.private_key_encrypted, '');
      const keyPath = join(certsDir, 'app-1', 'key-1.key.pem');
      assert.equal(readFileSync(keyPath, 'utf8'), generated.privateKeyPem);
      assert.equal(modeOf(keyPath), 0o600);
    } finally {
      await database.close();
    }
  });

  it('refuses, changing nothing, without the key the database was encrypted with', async () => {
    const { dataDir, certsDir } = await olderDatabase(Buffer.alloc(32, 3));
    await assert.rejects(openDatabase({ dataDir, databaseUrl: null,
      keyMove: { certsDir, encryptionKey: Buffer.alloc(32, 4) } }),
    (error: Error) => error instanceof StartupError
      && /signing key key-1 cannot be decrypted/.test(error.message));
    await assert.rejects(openDatabase({ dataDir, databaseUrl: null,
      keyMove: { certsDir, encryptionKey: null } }), /secrets file they were encrypted/);
    assert.equal(existsSync(join(certsDir, 'app-1')), false);
  });
});

import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { HttpError, notFound } from '../http/errors.js';
import { type Actor, recordEvent } from '../insights/events.js';
import type { SigningKeysTable } from '../saml/tables.js';
import { type Db, now } from '../store/db.js';
import { type GeneratedCertificate, generateCertificate, pemBody } from './generate.js';
import type { KeyFiles } from './key-files.js';

type KeyRow = Selectable<SigningKeysTable>;

/** What an administrator may see of a signing certificate (never the private key). */
export interface CertificateInfo {
  id: string;
  status: SigningKeysTable['status'];
  fingerprintSha256: string;
  notBefore: string;
  notAfter: string;
  createdAt: string;
  certificatePem: string;
}

/** The key that signs an application's responses, parsed once and kept in memory. */
export interface SigningKey {
  id: string;
  key: KeyObject;
  /** Base64 DER of the certificate, as it goes into KeyInfo. */
  certificateBase64: string;
}

function toInfo(row: KeyRow): CertificateInfo {
  return {
    id: row.id,
    status: row.status,
    fingerprintSha256: row.fingerprint_sha256,
    notBefore: row.not_before,
    notAfter: row.not_after,
    createdAt: row.created_at,
    certificatePem: row.certificate_pem,
  };
}

/**
 * Signing certificates of applications: generated with each application, rotated by
 * publishing a next certificate and promoting it. Private keys are files under CERTS_DIR
 * (see KeyFiles), parsed into a KeyObject once per process.
 */
export class CertificateService {
  private readonly cache = new Map<string, SigningKey>();

  constructor(private readonly db: Db, private readonly files: KeyFiles,
    private readonly validityDays: number) {}

  /** A new key pair and certificate named for `label` (RSA key generation takes a while). */
  create(label: string): GeneratedCertificate {
    return generateCertificate(label, this.validityDays);
  }

  /**
   * Stores a certificate for the application inside `trx`, generating one when none is
   * given, and writes its key pair files. Generate beforehand where possible: the
   * transaction stays short.
   */
  async generate(trx: Db, applicationId: string, label: string,
    status: 'active' | 'next', generated = this.create(label)): Promise<CertificateInfo> {
    const id = randomUUID();
    this.files.write(applicationId, id, generated);
    const row: KeyRow = {
      id,
      application_id: applicationId,
      status,
      certificate_pem: generated.certificatePem,
      // The private key is in its file only (migration 0009-key-files emptied this column).
      private_key_encrypted: '',
      fingerprint_sha256: generated.fingerprintSha256,
      not_before: generated.notBefore,
      not_after: generated.notAfter,
      created_at: now(),
    };
    await trx.insertInto('signing_keys').values(row).execute();
    return toInfo(row);
  }

  /** Certificates of the application, newest first; retired ones included. */
  async list(applicationId: string): Promise<CertificateInfo[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll()
      .where('application_id', '=', applicationId).orderBy('created_at', 'desc').execute();
    return rows.map(toInfo);
  }

  /** The certificate that signs now. Throws 404 when the application has none. */
  async active(applicationId: string): Promise<CertificateInfo> {
    return toInfo(await this.activeRow(applicationId));
  }

  /** Certificates published in metadata: the active one first, then a next one. */
  async published(applicationId: string): Promise<CertificateInfo[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll()
      .where('application_id', '=', applicationId).where('status', 'in', ['active', 'next'])
      .execute();
    return rows.sort((a, b) => (a.status === 'active' ? -1 : 1) - (b.status === 'active' ? -1 : 1))
      .map(toInfo);
  }

  /** The parsed signing key of the application, from memory after the first call. */
  async signingKey(applicationId: string): Promise<SigningKey> {
    const cached = this.cache.get(applicationId);
    if (cached) return cached;
    const row = await this.activeRow(applicationId);
    const key: SigningKey = {
      id: row.id,
      key: createPrivateKey(this.files.readPrivateKey(applicationId, row.id)),
      certificateBase64: pemBody(row.certificate_pem),
    };
    this.cache.set(applicationId, key);
    return key;
  }

  /**
   * Generates the next certificate, published in metadata but not yet signing, so service
   * providers can trust it before it is used. Throws 409 `next_certificate_pending` while
   * an earlier next certificate is neither promoted nor discarded.
   */
  async createNext(applicationId: string, label: string, actor: Actor):
    Promise<CertificateInfo> {
    // Checked before the slow key generation, and again inside the transaction.
    await refusePendingNext(this.db, applicationId);
    const generated = this.create(label);
    let created: string | null = null;
    return this.db.transaction().execute(async (trx) => {
      await refusePendingNext(trx, applicationId);
      const info = await this.generate(trx, applicationId, label, 'next', generated);
      created = info.id;
      await recordEvent(trx, {
        type: 'application_certificate_create', initiator: actor, outcome: 'success',
        resource: { type: 'application', id: applicationId, name: label },
        applicationId, details: { certificateId: info.id, fingerprint: info.fingerprintSha256 },
      });
      return info;
    }).catch((error: unknown) => {
      // Rolled back: the files of the key that was never stored go too.
      if (created) this.files.remove(applicationId, created);
      throw error;
    });
  }

  /**
   * Discards a next certificate that was never promoted: it leaves the metadata, and its
   * key files are removed once the deletion is committed (a rolled-back discard keeps a
   * key the database still names). Throws 404 for an unknown certificate and 409
   * `certificate_not_next` for the signing or a retired one.
   */
  async discardNext(applicationId: string, certificateId: string, label: string,
    actor: Actor): Promise<CertificateInfo> {
    const info = await this.db.transaction().execute(async (trx) => {
      const row = await nextRow(trx, applicationId, certificateId, 'discarded');
      await trx.deleteFrom('signing_keys').where('id', '=', row.id).execute();
      await recordEvent(trx, {
        type: 'application_certificate_discard', initiator: actor, outcome: 'success',
        resource: { type: 'application', id: applicationId, name: label },
        applicationId, details: { certificateId, fingerprint: row.fingerprint_sha256 },
      });
      return toInfo(row);
    });
    this.files.remove(applicationId, certificateId);
    return info;
  }

  /** The next certificate of the application, or null when none is pending. */
  async pendingNext(applicationId: string): Promise<CertificateInfo | null> {
    const row = await pendingRow(this.db, applicationId);
    return row ? toInfo(row) : null;
  }

  /** Removes the key files of a deleted application and forgets its parsed key. */
  removeApplication(applicationId: string): void {
    this.forget(applicationId);
    this.files.removeApplication(applicationId);
  }

  /**
   * Makes the next certificate the signing one; the previous one is retired, and its
   * private key file removed once that is committed: a retired key never signs again, so
   * keeping it would only leave something to steal.
   */
  async promote(applicationId: string, certificateId: string, label: string, actor: Actor):
    Promise<CertificateInfo> {
    const { info, retired } = await this.db.transaction().execute(async (trx) => {
      const row = await nextRow(trx, applicationId, certificateId, 'promoted');
      const retired = await trx.updateTable('signing_keys').set({ status: 'retired' })
        .where('application_id', '=', applicationId).where('status', '=', 'active')
        .returning('id').execute();
      await trx.updateTable('signing_keys').set({ status: 'active' })
        .where('id', '=', certificateId).execute();
      await recordEvent(trx, {
        type: 'application_certificate_promote', initiator: actor, outcome: 'success',
        resource: { type: 'application', id: applicationId, name: label },
        applicationId, details: { certificateId, fingerprint: row.fingerprint_sha256 },
      });
      return { info: toInfo({ ...row, status: 'active' }), retired };
    });
    this.forget(applicationId);
    for (const { id } of retired) this.files.removePrivateKey(applicationId, id);
    return info;
  }

  /** Drops the cached key of an application (after rotation or deletion). */
  forget(applicationId: string): void {
    this.cache.delete(applicationId);
  }

  private async activeRow(applicationId: string): Promise<KeyRow> {
    const row = await this.db.selectFrom('signing_keys').selectAll()
      .where('application_id', '=', applicationId).where('status', '=', 'active')
      .executeTakeFirst();
    if (!row) throw notFound('Signing certificate');
    return row;
  }
}

/**
 * Refuses a second next certificate: replacing one would silently withdraw a certificate
 * a service provider may already trust, and sign-in to it would break at promotion.
 */
async function refusePendingNext(db: Db, applicationId: string): Promise<void> {
  const pending = await pendingRow(db, applicationId);
  if (pending) {
    throw new HttpError(409, 'next_certificate_pending', 'A next certificate, created '
      + `${pending.created_at}, is already published and not yet signing. Promote it or `
      + 'discard it before generating another.', { certificateId: pending.id });
  }
}

/** The application's next certificate, published but not yet signing, if there is one. */
function pendingRow(db: Db, applicationId: string): Promise<KeyRow | undefined> {
  return db.selectFrom('signing_keys').selectAll()
    .where('application_id', '=', applicationId).where('status', '=', 'next')
    .executeTakeFirst();
}

/** The row of a next certificate; 404 when unknown, 409 when it is not a next one. */
async function nextRow(db: Db, applicationId: string, certificateId: string,
  action: 'promoted' | 'discarded'): Promise<KeyRow> {
  const row = await db.selectFrom('signing_keys').selectAll()
    .where('id', '=', certificateId).where('application_id', '=', applicationId)
    .executeTakeFirst();
  if (!row) throw notFound('Certificate');
  if (row.status !== 'next') {
    throw new HttpError(409, 'certificate_not_next',
      `Only a next certificate, published but not yet signing, can be ${action}`);
  }
  return row;
}

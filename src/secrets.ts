import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { StartupError } from './startup-error.js';
import type { Db } from './store/db.js';

/** Secrets the service generates on first start and reuses after. */
export interface ServiceSecrets {
  /** Signs session cookies. */
  sessionSecret: string;
  /** 32-byte AES-256-GCM key for credentials stored in the database (SCIM tokens). */
  encryptionKey: Buffer;
}

/** Name of the check value in the service_state table. */
const CHECK = 'secrets_check';

/**
 * Reads the service secrets from `path`, or null when the file does not exist. The file
 * is kept owner-only (0600). Throws when it is damaged.
 */
export function readSecrets(path: string): ServiceSecrets | null {
  if (!existsSync(path)) return null;
  chmodSync(path, 0o600);
  const stored = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  const encryptionKey = Buffer.from(stored.encryptionKey ?? '', 'base64');
  if (!stored.sessionSecret || encryptionKey.length !== 32) {
    throw new StartupError(`${path} is damaged: restore it from the backup taken with the `
      + 'database');
  }
  return { sessionSecret: stored.sessionSecret, encryptionKey };
}

/**
 * A one-way value that tells which secrets a database was set up with. It reveals
 * neither secret, yet any other pair gives another value.
 */
function checkValue(secrets: ServiceSecrets): string {
  return createHmac('sha256', secrets.encryptionKey)
    .update(`secrets check\0${secrets.sessionSecret}`).digest('hex');
}

/**
 * The secrets that belong to the database `db`. On the first start they are generated
 * into `path` (folder 0700, file 0600) and their check value is stored in the database.
 * Later starts compare: secrets regenerated after the file was lost would leave every
 * stored credential undecryptable, so a missing or foreign file stops the start instead.
 * Throws StartupError naming the file to restore.
 */
export async function secretsFor(db: Db, path: string, stored: ServiceSecrets | null):
  Promise<ServiceSecrets> {
  const check = await readCheck(db);
  // Read again when it was missing: a service started alongside this one, on the same
  // data, writes the file before it stores the check value.
  const current = stored ?? readSecrets(path);
  if (!current && check) {
    throw new StartupError(`${path} is missing, but the database was set up with the `
      + 'secrets it held: restore it from the backup taken with the database');
  }
  const secrets = current ?? createSecrets(path);
  if (!check) await recordCheck(db, checkValue(secrets));
  if ((await readCheck(db)) !== checkValue(secrets)) {
    throw new StartupError(`${path} does not belong to this database: restore the secrets `
      + 'file from the backup taken with the database');
  }
  return secrets;
}

async function readCheck(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom('service_state').select('value').where('name', '=', CHECK)
    .executeTakeFirst();
  return row?.value;
}

/** Stores the check value; another process that stored one first wins, and is compared. */
async function recordCheck(db: Db, value: string): Promise<void> {
  await db.insertInto('service_state').values({ name: CHECK, value })
    .onConflict((oc) => oc.column('name').doNothing()).execute();
}

/** Generates the secrets file on first start and reads back what won a race for it. */
function createSecrets(path: string): ServiceSecrets {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFreshSecrets(path);
  return readSecrets(path)!;
}

/**
 * Writes new secrets to a private temporary file, then links it into place. Readers see
 * the whole file or none, and the link fails rather than replace secrets another process
 * wrote in the meantime (then those are used).
 */
function writeFreshSecrets(path: string): void {
  const fresh = {
    sessionSecret: randomBytes(32).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64'),
  };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(fresh, null, 2), { mode: 0o600 });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/** A credential at rest: version, IV, tag and ciphertext, base64url, dot-separated. */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body].map((p) =>
    typeof p === 'string' ? p : p.toString('base64url')).join('.');
}

/** Reverses encryptSecret; throws if the value was altered or another key encrypted it. */
export function decryptSecret(key: Buffer, stored: string): string {
  const [version, iv, tag, body] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) {
    throw new Error('stored secret has an unknown format');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(body, 'base64url')), decipher.final(),
  ]).toString('utf8');
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** Secrets the service generates on first start and reuses after. */
export interface ServiceSecrets {
  /** Signs session cookies. */
  sessionSecret: string;
  /** 32-byte AES-256-GCM key for credentials stored in the database (SCIM tokens). */
  encryptionKey: Buffer;
}

const FILE = 'secrets.json';

/**
 * Loads the service secrets from `dataDir/secrets.json`, creating them on first start.
 * The file is written with owner-only permissions (0600) and its folder with 0700.
 */
export function loadOrCreateSecrets(dataDir: string): ServiceSecrets {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, FILE);
  if (!existsSync(path)) writeFreshSecrets(path);
  chmodSync(path, 0o600);
  const stored = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  const encryptionKey = Buffer.from(stored.encryptionKey ?? '', 'base64');
  if (!stored.sessionSecret || encryptionKey.length !== 32) {
    throw new Error(`${path} is damaged: delete it only if no stored credentials depend on it`);
  }
  return { sessionSecret: stored.sessionSecret, encryptionKey };
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

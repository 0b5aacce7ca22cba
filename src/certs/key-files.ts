import { randomBytes } from 'node:crypto';
import {
  chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { HttpError } from '../http/errors.js';

/** What is written for one signing key: the key pair's private half and its certificate. */
export interface KeyPairPem {
  privateKeyPem: string;
  certificatePem: string;
}

/** Ids become path segments; anything but a UUID-like id could climb out of the folder. */
const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

function segment(id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`not a key or application id: ${JSON.stringify(id)}`);
  return id;
}

/**
 * Application key pairs as files under CERTS_DIR: `<applicationId>/<keyId>.key.pem`
 * (mode 0600) and `<keyId>.crt.pem`, in folders of mode 0700. Private keys never enter
 * the database, so a database dump or backup alone cannot sign an assertion.
 */
export class KeyFiles {
  constructor(readonly certsDir: string) {}

  /** Writes both files; each appears whole or not at all (written aside, then renamed). */
  write(applicationId: string, keyId: string, pair: KeyPairPem): void {
    const folder = this.folder(applicationId);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // mkdir's mode applies only to folders it creates; an existing one is tightened too.
    chmodSync(this.certsDir, 0o700);
    chmodSync(folder, 0o700);
    writeWhole(join(folder, `${segment(keyId)}.key.pem`), pair.privateKeyPem);
    writeWhole(join(folder, `${segment(keyId)}.crt.pem`), pair.certificatePem);
  }

  /** PEM of the private key; a 500 naming the file when it is missing or unreadable. */
  readPrivateKey(applicationId: string, keyId: string): string {
    const path = join(this.folder(applicationId), `${segment(keyId)}.key.pem`);
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new HttpError(500, 'signing_key_missing', `the signing key file ${path} cannot `
        + `be read (${(error as NodeJS.ErrnoException).code}): restore CERTS_DIR from the `
        + 'backup taken with the database', undefined, false);
    }
  }

  /** Removes one key's files; a file already gone is fine. */
  remove(applicationId: string, keyId: string): void {
    for (const suffix of ['key.pem', 'crt.pem']) {
      rmSync(join(this.folder(applicationId), `${segment(keyId)}.${suffix}`), { force: true });
    }
  }

  /**
   * Removes the private key of a key that will never sign again (a retired one); its
   * certificate stays, as the record of what signed before.
   */
  removePrivateKey(applicationId: string, keyId: string): void {
    rmSync(join(this.folder(applicationId), `${segment(keyId)}.key.pem`), { force: true });
  }

  /** Removes the folder of a deleted application with every key it held. */
  removeApplication(applicationId: string): void {
    rmSync(this.folder(applicationId), { recursive: true, force: true });
  }

  private folder(applicationId: string): string {
    return join(this.certsDir, segment(applicationId));
  }
}

/** Writes `text` to `path` with mode 0600 through a temporary file and a rename. */
function writeWhole(path: string, text: string): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}

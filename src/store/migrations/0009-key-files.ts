import type { Kysely, Migration } from 'kysely';
import { KeyFiles } from '../../certs/key-files.js';
import { decryptSecret } from '../../secrets.js';
import { StartupError } from '../../startup-error.js';

/** What moving the keys needs: where they go and the key they were encrypted with. */
export interface KeyMove {
  certsDir: string;
  /** The storage key of the secrets file, or null when there is no secrets file yet. */
  encryptionKey: Buffer | null;
}

interface KeyRow {
  id: string;
  application_id: string;
  certificate_pem: string;
  private_key_encrypted: string;
}

/**
 * Moves the applications' private keys out of the database into files under CERTS_DIR
 * (see KeyFiles) and empties the column, so a copy of the database alone cannot sign.
 * Files are written before the column is emptied: a crash in between leaves the key in
 * both places, and the next start writes the same files again.
 */
export function keyFiles(move: KeyMove | null): Migration {
  return {
    async up(untyped: Kysely<unknown>) {
      const db = untyped as Kysely<{ signing_keys: KeyRow }>;
      const rows = await db.selectFrom('signing_keys').selectAll()
        .where('private_key_encrypted', '<>', '').execute();
      if (rows.length === 0) return;
      const files = new KeyFiles(requireMove(move).certsDir);
      for (const row of rows) {
        files.write(row.application_id, row.id, {
          privateKeyPem: decryptKey(move!, row), certificatePem: row.certificate_pem,
        });
        await db.updateTable('signing_keys').set({ private_key_encrypted: '' })
          .where('id', '=', row.id).execute();
      }
    },
  };
}

function requireMove(move: KeyMove | null): KeyMove {
  if (!move?.encryptionKey) {
    throw new StartupError('the database holds encrypted signing keys, but the secrets file '
      + 'they were encrypted with is missing: restore it from the backup taken with the '
      + 'database');
  }
  return move;
}

function decryptKey(move: KeyMove, row: KeyRow): string {
  try {
    return decryptSecret(move.encryptionKey!, row.private_key_encrypted);
  } catch {
    throw new StartupError(`the signing key ${row.id} cannot be decrypted with the secrets `
      + 'file: restore the secrets file from the backup taken with the database');
  }
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { type Database, openDatabase } from '../../src/store/db.js';

describe('SQLite transactions and other processes on the same file', () => {
  let dataDir: string;
  let database: Database;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'idp-sqlite-trx-'));
    database = await openDatabase({ dataDir, databaseUrl: null });
  });
  after(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds the write lock from the start, so another writer waits rather than races',
    async () => {
      // Another connection, as another process would have, giving up after 100 ms.
      const other = new SQLite(join(dataDir, 'identity.db'), { timeout: 100 });
      try {
        await database.db.transaction().execute(async (trx) => {
          await trx.selectFrom('admins').select('id').execute();
          assert.throws(() => other.prepare('insert into user_groups (id, name, name_lc, '
            + "description, created_at, updated_at) values ('g', 'G', 'g', '', 'x', 'x')")
            .run(), { code: 'SQLITE_BUSY' });
        });
        // Once the transaction has ended, the other writer gets its turn.
        other.prepare("delete from user_groups where id = 'nobody'").run();
      } finally {
        other.close();
      }
    });
});

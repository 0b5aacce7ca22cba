import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrations } from '../../src/store/migrations/index.js';

/**
 * Brings a fresh SQLite database in `dataDir` up to and including migration `last`, as an
 * older release left it, and hands it to `fill` for rows of that time.
 */
export async function databaseAsOf(dataDir: string, last: string,
  fill: (db: Kysely<any>) => Promise<void>): Promise<void> {
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: new SQLite(join(dataDir, 'identity.db')) }),
  });
  try {
    const all = migrations('sqlite', null);
    const older = Object.fromEntries(Object.entries(all).filter(([name]) => name <= last));
    const migrator = new Migrator({ db, provider: { getMigrations: async () => older } });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
    await fill(db);
  } finally {
    await db.destroy();
  }
}

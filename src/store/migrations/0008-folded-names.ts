import { type Kysely, type Migration, sql } from 'kysely';

const NAMES = ['first_name', 'last_name', 'display_name'] as const;

/** Users whose names are folded per statement batch, so memory stays bounded. */
const BATCH = 1000;

interface NameRow {
  id: string;
  first_name: string;
  last_name: string;
  display_name: string;
}

/**
 * Lower-case name columns filled by the service. SQLite's lower() folds ASCII letters
 * only, so "Élodie" stayed "Élodie" and a search for "élodie" missed it; the service
 * folds with JavaScript, the same way on SQLite and PostgreSQL. Search walks these
 * columns' indexes instead of the lower() expression indexes of 0005-indexes.
 */
export const foldedNames: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of NAMES) {
      await db.schema.alterTable('users')
        .addColumn(`${column}_lc`, 'text', (c) => c.notNull().defaultTo('')).execute();
    }
    await foldExistingNames(db as Kysely<{ users: NameRow }>);
    for (const column of NAMES) {
      await db.schema.dropIndex(`users_${column}_lower`).execute();
      await db.schema.createIndex(`users_${column}_lc`).on('users')
        .columns([`${column}_lc`, 'username_lc']).execute();
    }
  },
};

async function foldExistingNames(db: Kysely<{ users: NameRow }>): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await db.selectFrom('users').select(['id', ...NAMES])
      .where('id', '>', after).orderBy('id').limit(BATCH).execute();
    for (const row of rows) {
      await sql`update users set first_name_lc = ${row.first_name.toLowerCase()},
        last_name_lc = ${row.last_name.toLowerCase()},
        display_name_lc = ${row.display_name.toLowerCase()}
        where id = ${row.id}`.execute(db);
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

import type { Kysely, Migration } from 'kysely';

/** Profile texts brought to composed form; names also have a lower-case column. */
const TEXTS = ['first_name', 'last_name', 'display_name', 'job_title', 'department'] as const;
const FOLDED = ['first_name', 'last_name', 'display_name'] as const;

/** Users read per batch, so memory stays bounded. */
const BATCH = 1000;

type TextRow = { id: string } & Record<(typeof TEXTS)[number], string>;
type UsersTable = TextRow & Record<`${(typeof FOLDED)[number]}_lc`, string>;

/**
 * Profile texts stored before the service composed them (NFC) are composed now, with
 * their lower-case forms, so a search (composed too) finds a name that was sent with
 * combining accents. Usernames and emails hold ASCII only and need nothing.
 */
export const composedTexts: Migration = {
  async up(db: Kysely<unknown>) {
    const users = db as Kysely<{ users: UsersTable }>;
    let after = '';
    for (;;) {
      const rows = await users.selectFrom('users').select(['id', ...TEXTS])
        .where('id', '>', after).orderBy('id').limit(BATCH).execute();
      for (const row of rows) await composeRow(users, row);
      if (rows.length < BATCH) return;
      after = rows[rows.length - 1]!.id;
    }
  },
};

async function composeRow(db: Kysely<{ users: UsersTable }>, row: TextRow): Promise<void> {
  const changed = TEXTS.filter((column) => row[column] !== row[column].normalize('NFC'));
  if (changed.length === 0) return;
  const values: Partial<UsersTable> = {};
  for (const column of changed) values[column] = row[column].normalize('NFC');
  for (const column of FOLDED) {
    if (values[column] !== undefined) values[`${column}_lc`] = values[column].toLowerCase();
  }
  await db.updateTable('users').set(values).where('id', '=', row.id).execute();
}

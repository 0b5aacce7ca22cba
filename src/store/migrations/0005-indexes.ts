import { type Kysely, type Migration, sql } from 'kysely';

/** Name columns a user search matches by their start, through their lower-case form. */
const NAME_COLUMNS = ['first_name', 'last_name', 'display_name'] as const;

/**
 * Indexes that keep user search fast on a large directory. A search matches the start of
 * the lower-case username, email or name, so each lower-case form gets an index a prefix
 * range can walk instead of reading every row. Each index also carries the lower-case
 * username, the key a search collects and sorts its page by, so a search reads indexes
 * alone. The username's own unique index serves it already.
 */
export const indexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of NAME_COLUMNS) {
      await db.schema.createIndex(`users_${column}_lower`).on('users')
        .expression(sql`lower(${sql.ref(column)}), username_lc`).execute();
    }
    await db.schema.createIndex('users_email_lc_username').on('users')
      .columns(['email_lc', 'username_lc']).execute();
  },
  async down(db: Kysely<unknown>) {
    for (const column of NAME_COLUMNS) {
      await db.schema.dropIndex(`users_${column}_lower`).execute();
    }
    await db.schema.dropIndex('users_email_lc_username').execute();
  },
};

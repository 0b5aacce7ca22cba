import type { Kysely, Migration } from 'kysely';

/**
 * Failed sign-ins counted per account and per client address, kept in the database so
 * that a restart does not lift a lockout and every service process sees the same count.
 */
export const loginFailures: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('login_failures')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('window_ends_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('login_failures_window_ends_at').on('login_failures')
      .column('window_ends_at').execute();
  },
};

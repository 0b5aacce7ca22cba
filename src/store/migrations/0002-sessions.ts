import type { Kysely, Migration } from 'kysely';

export const sessions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('sessions')
      .addColumn('sid', 'text', (c) => c.primaryKey())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at')
      .execute();
  },
};

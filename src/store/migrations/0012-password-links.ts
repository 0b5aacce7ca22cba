import type { Kysely, Migration } from 'kysely';

/** Set-password links, by the hash of their token. */
export const passwordLinks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('password_links')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) =>
        c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_by', 'text')
      .execute();
    await db.schema.createIndex('password_links_user').on('password_links').column('user_id')
      .execute();
  },
};

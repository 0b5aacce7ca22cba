import type { Kysely, Migration } from 'kysely';

/**
 * Named values the service keeps about itself, such as the check value telling which
 * secrets file belongs to this database.
 */
export const serviceState: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('service_state')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};

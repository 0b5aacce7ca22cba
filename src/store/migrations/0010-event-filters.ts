import type { Kysely, Migration } from 'kysely';

/**
 * Indexes for the event log's outcome and resource type filters, newest first as the
 * query pages them. Without them such a filter reads the whole log.
 */
export const eventFilters: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['outcome', 'resource_type']) {
      await db.schema.createIndex(`events_${column}`).on('events').columns([column, 'seq'])
        .execute();
    }
  },
};

import type { Kysely, Migration } from 'kysely';

/**
 * Import jobs get a lease, so only one service process runs a job at a time, and a
 * notice state with a stable Message-ID, so a notice sent again after a crash can be
 * recognised as the same message.
 */
export const importLease: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['lease_owner', 'lease_expires_at', 'notice_message_id',
      'notice_sending_at']) {
      await db.schema.alterTable('import_jobs').addColumn(column, 'text').execute();
    }
  },
};

import type { Kysely, Migration } from 'kysely';

/** Durable jobs of large user imports and their per-user items. */
export const importJobs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('import_jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('application_id', 'text', (c) =>
        c.notNull().references('applications.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('already_present', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('initiator_id', 'text')
      .addColumn('initiator_name', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .addColumn('notified_at', 'text')
      .execute();
    await db.schema.createIndex('import_jobs_status').on('import_jobs').column('status')
      .execute();

    await db.schema.createTable('import_job_items')
      .addColumn('job_id', 'text', (c) =>
        c.notNull().references('import_jobs.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('source', 'text')
      .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
      .addColumn('started_at', 'text')
      .addColumn('outcome', 'text')
      .addColumn('reason', 'text')
      .addColumn('message', 'text')
      .addColumn('user_id', 'text')
      .addPrimaryKeyConstraint('import_job_items_pk', ['job_id', 'position'])
      .execute();
  },
};

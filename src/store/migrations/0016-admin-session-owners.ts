import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * The administrator each admin portal session belongs to, so that resetting an
 * administrator's password ends the sessions opened with the old one. Sessions from
 * before this migration get the administrator their data names.
 */
export function adminSessionOwners(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sessions').addColumn('admin_id', 'text').execute();
      await db.schema.createIndex('sessions_admin_id').on('sessions').column('admin_id')
        .execute();
      const owner = dialect === 'postgres'
        ? sql`(data::json ->> 'adminId')` : sql`json_extract(data, '$.adminId')`;
      await sql`update sessions set admin_id = ${owner}`.execute(db);
    },
  };
}

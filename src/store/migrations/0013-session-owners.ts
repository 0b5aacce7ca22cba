import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * The directory user each console session belongs to, so that a password reset or a
 * deletion can end that user's sessions. Sessions from before this migration get the
 * user their data names.
 */
export function sessionOwners(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sessions').addColumn('user_id', 'text').execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id')
        .execute();
      const owner = dialect === 'postgres'
        ? sql`(data::json ->> 'userId')` : sql`json_extract(data, '$.userId')`;
      await sql`update sessions set user_id = ${owner}`.execute(db);
    },
  };
}

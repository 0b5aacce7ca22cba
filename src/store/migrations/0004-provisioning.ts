import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db.js';
import { withSequence } from './0001-core.js';

/** Tables of identity management: integrations, linked accounts and groups, operations. */
export function provisioning(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('idm_integrations')
        .addColumn('application_id', 'text', (c) =>
          c.primaryKey().references('applications.id').onDelete('cascade'))
        .addColumn('base_url', 'text', (c) => c.notNull())
        .addColumn('token_encrypted', 'text')
        .addColumn('token_last4', 'text')
        .addColumn('rate_profile', 'text', (c) => c.notNull())
        .addColumn('requests_per_minute', 'integer', (c) => c.notNull())
        .addColumn('concurrent_reads', 'integer', (c) => c.notNull())
        .addColumn('concurrent_writes', 'integer', (c) => c.notNull())
        .addColumn('manage_groups', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('inactive'))
        .addColumn('excluded_attributes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('feed_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('activated_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      // No foreign key to users or groups: the link must outlive a directory delete,
      // which is exactly when the account still has to be shut off.
      await db.schema.createTable('idm_users')
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('remote_id', 'text')
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('sent', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('known_absent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idm_users_pk', ['application_id', 'user_id'])
        .execute();

      await db.schema.createTable('idm_groups')
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('remote_id', 'text')
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('members_known', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('known_absent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idm_groups_pk', ['application_id', 'group_id'])
        .execute();

      await db.schema.createTable('idm_group_members')
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('remote_user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idm_group_members_pk',
          ['application_id', 'group_id', 'remote_user_id'])
        .execute();

      await withSequence(db.schema.createTable('idm_operations'), dialect, 'id')
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('queue_key', 'text')
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // NULL keys never collide, so only pending rows are held to one per target.
      await db.schema.createIndex('idm_operations_queue_key').on('idm_operations')
        .columns(['application_id', 'queue_key']).unique().execute();
      await db.schema.createIndex('idm_operations_due').on('idm_operations')
        .columns(['application_id', 'status', 'priority', 'id']).execute();
      await db.schema.createIndex('idm_operations_target').on('idm_operations')
        .columns(['application_id', 'target_id']).execute();
    },
  };
}

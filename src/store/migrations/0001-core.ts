import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Adds an auto-numbered primary key in either dialect. Numbers are never reused, even
 * after the newest row is deleted, so readers can keep a cursor on them.
 */
export function withSequence<T extends CreateTableBuilder<string, never>>(
  table: T, dialect: Dialect, name = 'seq'): T {
  return (dialect === 'postgres'
    ? table.addColumn(name, 'serial', (c) => c.primaryKey())
    : table.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement())) as T;
}

export function core(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_lc', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_lc', 'text', (c) => c.notNull().unique())
        .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('job_title', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('department', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('preferred_language', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createTable('user_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lc', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createTable('group_members')
        .addColumn('group_id', 'text', (c) =>
          c.notNull().references('user_groups.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) =>
          c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('group_members_user').on('group_members')
        .column('user_id').execute();

      await db.schema.createTable('admins')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('admin_id', 'text', (c) =>
          c.notNull().references('admins.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();

      await withSequence(db.schema.createTable('events'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('initiator_type', 'text', (c) => c.notNull())
        .addColumn('initiator_id', 'text')
        .addColumn('initiator_name', 'text')
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text')
        .addColumn('resource_name', 'text')
        .addColumn('application_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('group_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      for (const column of ['time', 'type', 'application_id', 'user_id', 'resource_id']) {
        await db.schema.createIndex(`events_${column}`).on('events').columns([column, 'seq'])
          .execute();
      }

      await withSequence(db.schema.createTable('change_feed'), dialect)
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('group_id', 'text')
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();

      await db.schema.createTable('applications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connector', 'text', (c) => c.notNull())
        .addColumn('custom_value', 'text', (c) => c.notNull().unique())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('portal_image', 'text', (c) => c.notNull().defaultTo('color'))
        .addColumn('portal_color', 'text', (c) => c.notNull().defaultTo('#3b5bdb'))
        .addColumn('portal_logo', 'text')
        .addColumn('show_in_portal', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('sso_active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createTable('app_group_bindings')
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('group_id', 'text', (c) =>
          c.notNull().references('user_groups.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_group_bindings_pk', ['application_id', 'group_id'])
        .execute();
      await db.schema.createIndex('app_group_bindings_group').on('app_group_bindings')
        .column('group_id').execute();
    },
  };
}

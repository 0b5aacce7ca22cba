import type { Kysely, Migration } from 'kysely';

/** Single sign-on: per-application SAML settings, signing keys, accepted request IDs. */
export const saml: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('saml_settings')
      .addColumn('application_id', 'text', (c) =>
        c.primaryKey().references('applications.id').onDelete('cascade'))
      .addColumn('sp_entity_id', 'text')
      .addColumn('acs_urls', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('default_acs_url', 'text')
      .addColumn('name_id_format', 'text', (c) => c.notNull())
      .addColumn('name_id_source', 'text', (c) => c.notNull())
      .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('sign_response', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('require_signed_requests', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('allow_sha1', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sp_certificate', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('signing_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('application_id', 'text', (c) =>
        c.notNull().references('applications.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('certificate_pem', 'text', (c) => c.notNull())
      .addColumn('private_key_encrypted', 'text', (c) => c.notNull())
      .addColumn('fingerprint_sha256', 'text', (c) => c.notNull())
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('signing_keys_application').on('signing_keys')
      .columns(['application_id', 'status']).execute();

    await db.schema.createTable('saml_request_ids')
      .addColumn('application_id', 'text', (c) =>
        c.notNull().references('applications.id').onDelete('cascade'))
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('saml_request_ids_pk', ['application_id', 'request_id'])
      .execute();
    await db.schema.createIndex('saml_request_ids_expires').on('saml_request_ids')
      .column('expires_at').execute();
  },
};

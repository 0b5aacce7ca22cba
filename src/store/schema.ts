import type { Generated } from 'kysely';
import type * as Saml from '../saml/tables.js';
import type { ProvisioningSchema } from '../provisioning/tables.js';
import type { ImportJobItemsTable, ImportJobsTable } from
  '../provisioning/import/tables.js';
import type { PasswordLinksTable } from '../directory/tables.js';

/*
 * Table shapes, one interface per table, grouped by the part of the product that owns
 * them. Times are ISO-8601 UTC strings and flags are 0/1 integers, so the same rows
 * work on SQLite and PostgreSQL.
 */

export interface UsersTable {
  id: string;
  username: string;
  username_lc: string;
  email: string;
  email_lc: string;
  first_name: string;
  last_name: string;
  display_name: string;
  /** The names in lower case as JavaScript folds them (SQL lower() knows ASCII only). */
  first_name_lc: string;
  last_name_lc: string;
  display_name_lc: string;
  job_title: string;
  department: string;
  preferred_language: string;
  status: 'active' | 'suspended';
  password_hash: string | null;
  created_at: string;
  updated_at: string;
}

export interface UserGroupsTable {
  id: string;
  name: string;
  name_lc: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  created_at: string;
}

export interface AdminsTable {
  id: string;
  username: string;
  password_hash: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  admin_id: string;
  name: string;
  /** First characters of the key, shown so an administrator can tell keys apart. */
  prefix: string;
  key_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  time: string;
  type: string;
  initiator_type: 'admin' | 'user' | 'system';
  initiator_id: string | null;
  initiator_name: string | null;
  resource_type: string;
  resource_id: string | null;
  resource_name: string | null;
  application_id: string | null;
  user_id: string | null;
  group_id: string | null;
  outcome: 'success' | 'failure';
  /** JSON object. */
  details: string;
}

export interface ChangeFeedTable {
  seq: Generated<number>;
  time: string;
  kind: string;
  user_id: string | null;
  group_id: string | null;
  /** JSON object with what the change needs beyond the ids. */
  data: string;
}

export interface ApplicationsTable {
  id: string;
  connector: string;
  custom_value: string;
  label: string;
  description: string;
  portal_image: 'logo' | 'color';
  portal_color: string;
  /** data: URL of an uploaded logo, or null. */
  portal_logo: string | null;
  show_in_portal: number;
  sso_active: number;
  created_at: string;
  updated_at: string;
}

export interface AppGroupBindingsTable {
  application_id: string;
  group_id: string;
  created_at: string;
}

export interface SessionsTable {
  sid: string;
  /** JSON of the session data. */
  data: string;
  expires_at: string;
  /** The directory user signed in with this session, if any (see migration 0013). */
  user_id: string | null;
  /** The administrator signed in with this session, if any (see migration 0016). */
  admin_id: string | null;
}

/** Failed sign-ins under one key within a window (see src/directory/login-failures.ts). */
export interface LoginFailuresTable {
  key: string;
  failures: number;
  window_ends_at: string;
}

export interface ServiceStateTable {
  name: string;
  value: string;
}

export interface Schema {
  users: UsersTable;
  user_groups: UserGroupsTable;
  group_members: GroupMembersTable;
  admins: AdminsTable;
  api_keys: ApiKeysTable;
  events: EventsTable;
  change_feed: ChangeFeedTable;
  applications: ApplicationsTable;
  app_group_bindings: AppGroupBindingsTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  service_state: ServiceStateTable;
  saml_settings: Saml.SamlSettingsTable;
  signing_keys: Saml.SigningKeysTable;
  saml_request_ids: Saml.SamlRequestIdsTable;
  import_jobs: ImportJobsTable; import_job_items: ImportJobItemsTable;
}

export interface Schema extends ProvisioningSchema {}

export interface Schema {
  password_links: PasswordLinksTable;
}

import type { Generated } from 'kysely';

/*
 * Tables of identity management (SCIM provisioning), keyed by application. Times are
 * ISO-8601 strings and flags 0/1 integers, as everywhere in the store.
 */

/** One SCIM integration per application: where, with what token, at what pace. */
export interface IdmIntegrationsTable {
  application_id: string;
  base_url: string;
  /** The token as encryptSecret wrote it, or null before one is given. */
  token_encrypted: string | null;
  /** Last four characters of the token, the only part ever shown again. */
  token_last4: string | null;
  /** A rate profile id of the connector, or 'custom'. */
  rate_profile: string;
  requests_per_minute: number;
  concurrent_reads: number;
  concurrent_writes: number;
  manage_groups: number;
  status: 'inactive' | 'active';
  /** JSON array of the optional user attributes the administrator excluded. */
  excluded_attributes: string;
  /** Newest change-feed entry already turned into operations for this application. */
  feed_seq: number;
  activated_at: string | null;
  created_at: string;
  updated_at: string;
}

export type IdmUserState =
  | 'pending' | 'provisioned' | 'deactivated' | 'deleted' | 'failed' | 'needs_manual_action';

/** What the service knows of one directory user's account in the application. */
export interface IdmUsersTable {
  application_id: string;
  user_id: string;
  /** The account's id in the application once created or adopted. */
  remote_id: string | null;
  /** userName the account was matched or created with (kept after a directory delete). */
  user_name: string;
  /** JSON object: attribute path to the value the application holds, as last known. */
  sent: string;
  /** 1 when a full read of the application just showed no such account. */
  known_absent: number;
  state: IdmUserState;
  error: string | null;
  updated_at: string;
}

/** A directory group managed in the application. */
export interface IdmGroupsTable {
  application_id: string;
  group_id: string;
  remote_id: string | null;
  /** displayName the application holds, as last known. */
  display_name: string;
  /** 1 when the application's member list is known and kept in idm_group_members. */
  members_known: number;
  /** 1 when a full read of the application just showed no group of this name. */
  known_absent: number;
  state: 'pending' | 'provisioned' | 'failed';
  error: string | null;
  updated_at: string;
}

/** Members the application's group holds, as last known, by the accounts' remote ids. */
export interface IdmGroupMembersTable {
  application_id: string;
  group_id: string;
  remote_user_id: string;
}

export type IdmOperationKind = 'reconcile' | 'user' | 'group' | 'group.delete';

/**
 * A stored unit of provisioning work. Operations say what to bring up to date, not
 * which call to make: the worker reads the directory when it runs one, so repeated
 * changes collapse into one pending row and a repeated run is harmless.
 */
export interface IdmOperationsTable {
  id: Generated<number>;
  application_id: string;
  kind: IdmOperationKind;
  /** User id, group id, or the application id for a reconcile. */
  target_id: string;
  /** `kind:target` while pending, null otherwise: at most one pending row per target. */
  queue_key: string | null;
  /** Lower runs first: reconcile 0, user 1, group 2. */
  priority: number;
  status: 'pending' | 'running' | 'failed';
  attempts: number;
  not_before: string;
  /** JSON object: what a run needs beyond the directory (e.g. a deleted group's id). */
  data: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProvisioningSchema {
  idm_integrations: IdmIntegrationsTable;
  idm_users: IdmUsersTable;
  idm_groups: IdmGroupsTable;
  idm_group_members: IdmGroupMembersTable;
  idm_operations: IdmOperationsTable;
}

import type { Selectable } from 'kysely';
import type { ScimCapabilities } from '../applications/catalog.js';
import { type Db, now } from '../store/db.js';
import { type ProvisionEventType, recordProvisionEvent } from './events.js';
import { type ScimAnswer, type ScimClient, ScimNetworkError } from './scim-client.js';
import type { IdmUsersTable } from './tables.js';

/** What running an operation needs to know about its application. */
export interface AppRuntime {
  db: Db;
  applicationId: string;
  /** The connector's name (e.g. Asana), for messages about its limits. */
  connectorName: string;
  capabilities: ScimCapabilities;
  client: ScimClient;
  manageGroups: boolean;
  excludedAttributes: string[];
  /** Stores follow-up operations (e.g. a group sync once a member's account exists). */
  followUp(kind: 'user' | 'group', targetIds: string[], trx?: Db): Promise<void>;
}

/**
 * A call that did not do its job. `retryable` failures (429, 5xx, no answer) go back
 * in the queue; the others are parked as failed at once, since repeating the same
 * request would get the same answer.
 */
export class DeliveryError extends Error {
  constructor(message: string, readonly status: number | null, readonly retryable: boolean,
    readonly retryAfterMs: number | null = null) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The DeliveryError for an answer that was not a success. */
export function answerFailure(answer: ScimAnswer, what: string): DeliveryError {
  const retryable = answer.status === 429 || answer.status >= 500;
  return new DeliveryError(`${what}: HTTP ${answer.status}: ${answer.message ?? ''}`.trim(),
    answer.status, retryable, answer.retryAfterMs);
}

export const isSuccess = (answer: ScimAnswer) => answer.status >= 200 && answer.status < 300;

export type LinkRow = Selectable<IdmUsersTable>;

/** The stored link between a directory user and the application's account, if any. */
export async function loadUserLink(db: Db, applicationId: string, userId: string):
  Promise<LinkRow | undefined> {
  return db.selectFrom('idm_users').selectAll().where('application_id', '=', applicationId)
    .where('user_id', '=', userId).executeTakeFirst();
}

/** Creates or changes a user's link row. */
export async function saveUserLink(db: Db, applicationId: string, userId: string,
  fields: Partial<Omit<LinkRow, 'application_id' | 'user_id'>> & { user_name: string }):
  Promise<void> {
  const values = { ...fields, updated_at: now() };
  await db.insertInto('idm_users').values({
    application_id: applicationId, user_id: userId, remote_id: null, sent: '{}',
    known_absent: 0, state: 'pending', error: null, ...values,
  }).onConflict((oc) => oc.columns(['application_id', 'user_id']).doUpdateSet(values))
    .execute();
}

/** True when the user is a member of a group bound to the application. */
export async function isManaged(db: Db, applicationId: string, userId: string):
  Promise<boolean> {
  const row = await db.selectFrom('app_group_bindings')
    .innerJoin('group_members', 'group_members.group_id', 'app_group_bindings.group_id')
    .select('group_members.user_id')
    .where('app_group_bindings.application_id', '=', applicationId)
    .where('group_members.user_id', '=', userId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Groups bound to the application that the user is a member of. */
export async function boundGroupsOfUser(db: Db, applicationId: string, userId: string):
  Promise<string[]> {
  const rows = await db.selectFrom('app_group_bindings')
    .innerJoin('group_members', 'group_members.group_id', 'app_group_bindings.group_id')
    .select('app_group_bindings.group_id')
    .where('app_group_bindings.application_id', '=', applicationId)
    .where('group_members.user_id', '=', userId).execute();
  return rows.map((r) => r.group_id);
}

export async function isGroupBound(db: Db, applicationId: string, groupId: string):
  Promise<boolean> {
  const row = await db.selectFrom('app_group_bindings').select('group_id')
    .where('application_id', '=', applicationId).where('group_id', '=', groupId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Who a provisioning call was about, for its event (a page read: the application). */
export interface CallSubject { kind: 'user' | 'group' | 'application'; id: string; name: string }

/**
 * Makes one SCIM call and records its event, whatever happens: an answer of any status,
 * or no answer at all (recorded with a null status, then thrown as a retryable failure).
 */
export async function recordedCall<T>(rt: AppRuntime, type: ProvisionEventType,
  subject: CallSubject, call: () => Promise<ScimAnswer<T>>,
  details: (answer: ScimAnswer<T>) => Record<string, unknown> = () => ({})):
  Promise<ScimAnswer<T>> {
  let answer: ScimAnswer<T>;
  try {
    answer = await call();
  } catch (error) {
    if (!(error instanceof ScimNetworkError)) throw error;
    await recordProvisionEvent(rt.db, { type, applicationId: rt.applicationId, success: false,
      subject, status: null, message: error.message });
    throw new DeliveryError(error.message, null, true);
  }
  await recordProvisionEvent(rt.db, {
    type, applicationId: rt.applicationId, success: isSuccess(answer), subject,
    status: answer.status, message: answer.message, details: details(answer),
  });
  return answer;
}

import type { UserProfile, UserService } from '../../directory/users.js';
import { HttpError } from '../../http/errors.js';
import { type Actor, recordEvent } from '../../insights/events.js';
import type { Db } from '../../store/db.js';
import { directoryMatches, loginsOf, matchOf } from './listing.js';
import { isActiveInApplication, profileFromScim, type ScimUser } from './mapping.js';
import type { ImportOutcome } from './tables.js';

/** Why a user was not created, as a stable code. */
export type ImportReason =
  | 'not_in_application' | 'suspended_in_application' | 'invalid_attributes'
  | 'already_present';

/**
 * One selected user: the key it was selected by, and the application's record of it
 * (null: the application has no such user). A key that names no user stays what it was,
 * an id or a userName, so the result reports it as such.
 */
export interface SelectedUser {
  userName: string | null;
  applicationUserId: string | null;
  source: ScimUser | null;
}

/** What happened to one selected user. */
export interface ImportResult {
  /** The user's userName; null when it was selected by an id the application lacks. */
  userName: string | null;
  /** The application's id for the user; null when selected by a userName it lacks. */
  applicationUserId: string | null;
  outcome: ImportOutcome;
  reason: ImportReason | null;
  message: string | null;
  /** The directory user created or found. */
  userId: string | null;
}

export interface ImportTarget {
  applicationId: string;
  actor: Actor;
}

const MESSAGES: Record<ImportReason, string> = {
  not_in_application: 'The application does not return this user (unknown, or a guest)',
  suspended_in_application: 'The user is suspended in the application and is not imported',
  invalid_attributes: 'The user\'s attributes do not make a valid directory user',
  already_present: 'A directory user already has this username or email',
};

function result(selected: SelectedUser, outcome: ImportOutcome, reason: ImportReason | null,
  userId: string | null, detail?: string): ImportResult {
  const message = reason ? `${MESSAGES[reason]}${detail ? `: ${detail}` : ''}` : null;
  const { source } = selected;
  return { userName: source?.userName ?? selected.userName,
    applicationUserId: source?.id ?? selected.applicationUserId,
    outcome, reason, message, userId };
}

/** Why a selected user is not found, naming the id when it was selected by one. */
function notFoundDetail(selected: SelectedUser): string | undefined {
  const id = selected.applicationUserId;
  return id === null ? undefined : `the application has no user with id "${id}"`;
}

/** The directory user that has the application user's userName or email, if any. */
export async function existingUserId(db: Db, user: ScimUser): Promise<string | null> {
  return matchOf(user, await directoryMatches(db, loginsOf(user)));
}

/**
 * After a restart, an item whose create may have been sent: the user it names exists and
 * was created after the item started, so this job created it. Null when that is not so.
 */
export async function recoverCreated(db: Db, selected: SelectedUser,
  startedAt: string | null): Promise<ImportResult | null> {
  const { source } = selected;
  if (!source || !startedAt) return null;
  const id = await existingUserId(db, source);
  if (!id) return null;
  const row = await db.selectFrom('users').select('created_at').where('id', '=', id)
    .executeTakeFirst();
  return row && row.created_at >= startedAt ? result(selected, 'created', null, id) : null;
}

type Admission =
  | { ok: true; source: ScimUser; profile: UserProfile }
  | { ok: false; result: ImportResult };

/** Refuses users that must not be created: not found, suspended there, unusable. */
function admit(selected: SelectedUser): Admission {
  const refuse = (reason: ImportReason, detail?: string): Admission =>
    ({ ok: false, result: result(selected, 'skipped', reason, null, detail) });
  const { source } = selected;
  if (!source) return refuse('not_in_application', notFoundDetail(selected));
  if (!isActiveInApplication(source)) return refuse('suspended_in_application');
  const mapped = profileFromScim(source);
  if (!mapped.ok) return refuse('invalid_attributes', mapped.reason);
  return { ok: true, source, profile: mapped.profile };
}

/**
 * Decides one selected user and creates it when it is new. The user gets no password:
 * it signs in only after an administrator sets one or a set-password link is used.
 * `beforeCreate` runs right before the create is sent, so a job can note that a create
 * may have happened should the process stop before the outcome is stored.
 */
export async function importOne(db: Db, users: UserService, target: ImportTarget,
  selected: SelectedUser, beforeCreate: () => Promise<void> = async () => {}):
  Promise<ImportResult> {
  const admitted = admit(selected);
  if (!admitted.ok) return admitted.result;
  const present = await existingUserId(db, admitted.source);
  if (present) return result(selected, 'already_present', 'already_present', present);
  await beforeCreate();
  try {
    const user = await users.create(admitted.profile, target.actor);
    return result(selected, 'created', null, user.id);
  } catch (error) {
    // Another import or an administrator created the user in the meantime.
    if (error instanceof HttpError && error.code === 'duplicate_user') {
      const id = await existingUserId(db, admitted.source);
      return result(selected, 'already_present', 'already_present', id);
    }
    throw error;
  }
}

/**
 * Reasons that are a failure of the import. A user already in the directory, or one the
 * application has suspended, is skipped as it should be: nothing went wrong.
 */
const FAILURES = new Set<ImportReason>(['not_in_application', 'invalid_attributes']);

/** Writes the user's import event; pass the transaction that stores the outcome. */
export async function recordImportEvent(db: Db, target: ImportTarget, outcome: ImportResult,
  jobId: string | null): Promise<void> {
  await recordEvent(db, {
    type: 'user_import',
    initiator: target.actor,
    outcome: outcome.reason && FAILURES.has(outcome.reason) ? 'failure' : 'success',
    applicationId: target.applicationId,
    userId: outcome.userId,
    resource: { type: 'user', id: outcome.userId, name: outcome.userName },
    details: {
      result: outcome.outcome,
      ...(outcome.reason ? { reason: outcome.reason, message: outcome.message } : {}),
      ...(outcome.applicationUserId ? { applicationUserId: outcome.applicationUserId } : {}),
      ...(jobId ? { jobId } : {}),
    },
  });
}

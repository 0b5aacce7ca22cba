import type { Selectable } from 'kysely';
import { type Db, isUniqueViolation, now } from '../store/db.js';
import type { IdmOperationKind, IdmOperationsTable } from './tables.js';

/*
 * The durable operation queue. A change becomes a row here before anything is sent;
 * the worker claims rows, and a row leaves the queue only once its work is done or
 * parked as failed. At most one pending row exists per target, so repeated changes to
 * one user collapse into one run.
 */

export type OperationRow = Selectable<IdmOperationsTable>;

const PRIORITY: Record<IdmOperationKind, number> = {
  reconcile: 0, user: 1, group: 2, 'group.delete': 2,
};

export interface NewOperation {
  kind: IdmOperationKind;
  targetId: string;
  data?: Record<string, unknown>;
}

const keyOf = (kind: string, targetId: string) => `${kind}:${targetId}`;

/** Stores operations for an application; a target with a pending row is left as it is. */
export async function enqueue(db: Db, applicationId: string, operations: NewOperation[]):
  Promise<void> {
  const time = now();
  for (let i = 0; i < operations.length; i += 200) {
    const rows = operations.slice(i, i + 200).map((op) => ({
      application_id: applicationId, kind: op.kind, target_id: op.targetId,
      queue_key: keyOf(op.kind, op.targetId), priority: PRIORITY[op.kind],
      status: 'pending' as const, attempts: 0, not_before: time,
      data: JSON.stringify(op.data ?? {}), last_error: null, created_at: time, updated_at: time,
    }));
    await db.insertInto('idm_operations').values(rows)
      .onConflict((oc) => oc.columns(['application_id', 'queue_key']).doNothing()).execute();
  }
}

/** Pending operations due now, best first (reconcile, then users, then groups). */
export async function dueOperations(db: Db, applicationId: string, limit: number):
  Promise<OperationRow[]> {
  return db.selectFrom('idm_operations').selectAll()
    .where('application_id', '=', applicationId).where('status', '=', 'pending')
    .where('not_before', '<=', now())
    .orderBy('priority', 'asc').orderBy('id', 'asc').limit(limit).execute();
}

/** Earliest time (epoch ms) a pending operation of the application becomes due. */
export async function nextDueTime(db: Db, applicationId: string): Promise<number | null> {
  const row = await db.selectFrom('idm_operations')
    .select((eb) => eb.fn.min('not_before').as('due'))
    .where('application_id', '=', applicationId).where('status', '=', 'pending')
    .executeTakeFirst();
  return row?.due ? Date.parse(String(row.due)) : null;
}

/** Marks operations as running; a new change to the same target then gets a new row. */
export async function claim(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('idm_operations')
    .set({ status: 'running', queue_key: null, updated_at: now() })
    .where('id', 'in', ids).where('status', '=', 'pending').execute();
}

/** Removes a finished operation, and failed ones for the same target it supersedes. */
export async function complete(db: Db, op: OperationRow): Promise<void> {
  await db.deleteFrom('idm_operations').where('application_id', '=', op.application_id)
    .where('target_id', '=', op.target_id).where('kind', '=', op.kind)
    .where((eb) => eb.or([eb('id', '=', op.id), eb('status', '=', 'failed')])).execute();
}

/**
 * Puts an operation back in the queue to run at `notBefore`. When a newer pending row
 * for the same target exists, that row already covers this work and this one goes.
 */
export async function reschedule(db: Db, op: OperationRow, fields: {
  notBefore: Date; attempts: number; error: string | null; data?: Record<string, unknown> }):
  Promise<void> {
  try {
    await db.updateTable('idm_operations').set({
      status: 'pending', queue_key: keyOf(op.kind, op.target_id), attempts: fields.attempts,
      not_before: fields.notBefore.toISOString(), last_error: fields.error, updated_at: now(),
      ...(fields.data ? { data: JSON.stringify(fields.data) } : {}),
    }).where('id', '=', op.id).execute();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await db.deleteFrom('idm_operations').where('id', '=', op.id).execute();
  }
}

/** Parks an operation as failed: it stays visible with its error until retried. */
export async function park(db: Db, op: OperationRow, attempts: number, error: string):
  Promise<void> {
  await db.updateTable('idm_operations').set({
    status: 'failed', queue_key: null, attempts, last_error: error, updated_at: now(),
  }).where('id', '=', op.id).execute();
}

/**
 * After a restart: operations that were running when the process stopped run again,
 * each looking its account or group up first, since its create may have gone through.
 */
export async function recoverRunning(db: Db): Promise<number> {
  const running = await db.selectFrom('idm_operations').selectAll()
    .where('status', '=', 'running').execute();
  for (const op of running) {
    await forgetAbsence(db, op);
    await reschedule(db, op, { notBefore: new Date(), attempts: op.attempts,
      error: op.last_error });
  }
  return running.length;
}

/** Puts a failed operation back in the queue with a fresh count of attempts and 429s. */
export async function retryFailed(db: Db, applicationId: string, id: number):
  Promise<boolean> {
  const op = await db.selectFrom('idm_operations').selectAll().where('id', '=', id)
    .where('application_id', '=', applicationId).where('status', '=', 'failed')
    .executeTakeFirst();
  if (!op) return false;
  const { throttled: _, ...data } = JSON.parse(op.data) as Record<string, unknown>;
  await reschedule(db, op, { notBefore: new Date(), attempts: 0, error: op.last_error, data });
  return true;
}

/** Drops every queued operation of an application (on deactivation). */
export async function dropQueued(db: Db, applicationId: string): Promise<void> {
  await db.deleteFrom('idm_operations').where('application_id', '=', applicationId)
    .where('status', '=', 'pending').execute();
}

/**
 * Drops every operation of an application, running ones too, once its integration was
 * deactivated and the work still running has stopped.
 */
export async function dropAll(db: Db, applicationId: string): Promise<void> {
  await db.deleteFrom('idm_operations').where('application_id', '=', applicationId).execute();
}

/**
 * A create whose answer never came may have been carried out: the next run of the
 * operation must look before creating, so the "known absent" mark of a full read goes.
 */
export async function forgetAbsence(db: Db, op: OperationRow): Promise<void> {
  if (op.kind === 'user') {
    await db.updateTable('idm_users').set({ known_absent: 0 })
      .where('application_id', '=', op.application_id).where('user_id', '=', op.target_id)
      .where('known_absent', '=', 1).execute();
  } else if (op.kind === 'group') {
    await db.updateTable('idm_groups').set({ known_absent: 0 })
      .where('application_id', '=', op.application_id).where('group_id', '=', op.target_id)
      .where('known_absent', '=', 1).execute();
  }
}

import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { notFound } from '../../http/errors.js';
import { recordEvent } from '../../insights/events.js';
import { type Db, now } from '../../store/db.js';
import { type ImportReason, type ImportResult, type ImportTarget, recordImportEvent,
  type SelectedUser } from './importer.js';
import type { ScimUser } from './mapping.js';
import type { ImportJobItemsTable, ImportJobsTable } from './tables.js';

/** A large import as the API shows it. */
export interface ImportJob {
  id: string;
  applicationId: string;
  status: 'running' | 'completed';
  total: number;
  done: number;
  counts: { created: number; alreadyPresent: number; skipped: number };
  initiator: { id: string | null; name: string | null };
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  notifiedAt: string | null;
}

export type { SelectedUser } from './importer.js';

export type ItemRow = Selectable<ImportJobItemsTable>;

const INSERT_CHUNK = 100;

function toJob(row: Selectable<ImportJobsTable>): ImportJob {
  return {
    id: row.id,
    applicationId: row.application_id,
    status: row.status,
    total: Number(row.total),
    done: Number(row.done),
    counts: { created: Number(row.created), alreadyPresent: Number(row.already_present),
      skipped: Number(row.skipped) },
    initiator: { id: row.initiator_id, name: row.initiator_name },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    notifiedAt: row.notified_at,
  };
}

/**
 * What an item's `source` column holds: the application's user as listed, or, for an id
 * the application does not have, that id alone, so its result names the id, not a user.
 */
type StoredSource = ScimUser | { missingId: string };

function storedSource(selected: SelectedUser): string | null {
  if (selected.source) return JSON.stringify(selected.source);
  const id = selected.applicationUserId;
  return id === null ? null : JSON.stringify({ missingId: id } satisfies StoredSource);
}

function isMissing(stored: StoredSource): stored is { missingId: string } {
  return 'missingId' in stored && typeof stored.missingId === 'string';
}

/** The selected user an item was stored from. */
export function selectedOf(row: ItemRow): SelectedUser {
  const stored = row.source ? JSON.parse(row.source) as StoredSource : null;
  if (stored && isMissing(stored)) {
    return { userName: null, applicationUserId: stored.missingId, source: null };
  }
  const source = stored as ScimUser | null;
  return { userName: row.user_name, applicationUserId: source?.id ?? null, source };
}

function toResult(row: ItemRow): ImportResult {
  const selected = selectedOf(row);
  return {
    userName: selected.userName,
    applicationUserId: selected.applicationUserId,
    outcome: row.outcome ?? 'skipped',
    reason: row.reason as ImportReason | null,
    message: row.message,
    userId: row.user_id,
  };
}

/** Stores a job and its selection in one transaction; the worker takes it from there. */
export async function createJob(db: Db, target: ImportTarget, selection: SelectedUser[]):
  Promise<string> {
  const id = randomUUID();
  const time = now();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('import_jobs').values({
      id, application_id: target.applicationId, status: 'running', total: selection.length,
      done: 0, created: 0, already_present: 0, skipped: 0,
      initiator_id: target.actor.id ?? null, initiator_name: target.actor.name ?? null,
      created_at: time, updated_at: time, completed_at: null, notified_at: null,
      lease_owner: null, lease_expires_at: null, notice_message_id: null,
      notice_sending_at: null,
    }).execute();
    for (let i = 0; i < selection.length; i += INSERT_CHUNK) {
      await trx.insertInto('import_job_items').values(selection.slice(i, i + INSERT_CHUNK)
        .map((s, offset) => ({
          job_id: id, position: i + offset,
          user_name: s.source?.userName ?? s.userName ?? s.applicationUserId ?? '',
          source: storedSource(s), state: 'pending' as const,
          started_at: null, outcome: null, reason: null, message: null, user_id: null,
        }))).execute();
    }
    await recordEvent(trx, {
      type: 'user_import_start', initiator: target.actor, outcome: 'success',
      applicationId: target.applicationId, resource: { type: 'import_job', id },
      details: { total: selection.length },
    });
  });
  return id;
}

/** @throws HttpError 404 when there is no such job. */
export async function getJob(db: Db, id: string): Promise<ImportJob> {
  const row = await db.selectFrom('import_jobs').selectAll().where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Import job');
  return toJob(row);
}

/** Outcomes decided so far, in selection order. */
export async function jobResults(db: Db, id: string): Promise<ImportResult[]> {
  const rows = await db.selectFrom('import_job_items').selectAll().where('job_id', '=', id)
    .where('state', '=', 'done').orderBy('position').execute();
  return rows.map(toResult);
}

/** Jobs still running, oldest first. */
export async function runningJobIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('import_jobs').select('id').where('status', '=', 'running')
    .orderBy('created_at').execute();
  return rows.map((r) => r.id);
}

/** Completed jobs whose notice has not gone out yet. */
export async function unnotifiedJobIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('import_jobs').select('id')
    .where('status', '=', 'completed').where('notified_at', 'is', null)
    .orderBy('created_at').execute();
  return rows.map((r) => r.id);
}

/** The next items not yet decided, in selection order. */
export async function openItems(db: Db, jobId: string, limit: number): Promise<ItemRow[]> {
  return db.selectFrom('import_job_items').selectAll().where('job_id', '=', jobId)
    .where('state', '!=', 'done').orderBy('position').limit(limit).execute();
}

/** Notes that a create is about to be sent for the item. */
export async function markCreating(db: Db, jobId: string, position: number): Promise<void> {
  await db.updateTable('import_job_items').set({ state: 'creating', started_at: now() })
    .where('job_id', '=', jobId).where('position', '=', position).execute();
}

const COUNTER = {
  created: 'created', already_present: 'already_present', skipped: 'skipped',
} as const;

/**
 * Stores an item's outcome, advances the job's progress and writes the user's event,
 * all in one transaction: progress never counts a user twice or misses one. An item
 * already decided (by a process whose lease lapsed meanwhile) is left as it is.
 */
export async function storeOutcome(db: Db, target: ImportTarget, jobId: string,
  position: number, outcome: ImportResult): Promise<ImportJob> {
  const counter = COUNTER[outcome.outcome];
  await db.transaction().execute(async (trx) => {
    const stored = await trx.updateTable('import_job_items').set({
      state: 'done', outcome: outcome.outcome, reason: outcome.reason,
      message: outcome.message, user_id: outcome.userId,
    }).where('job_id', '=', jobId).where('position', '=', position)
      .where('state', '!=', 'done').executeTakeFirst();
    if (stored.numUpdatedRows !== 1n) return;
    await trx.updateTable('import_jobs').set((eb) => ({
      done: eb('done', '+', 1), [counter]: eb(counter, '+', 1), updated_at: now(),
    })).where('id', '=', jobId).execute();
    await recordImportEvent(trx, target, outcome, jobId);
  });
  return getJob(db, jobId);
}

/** Marks the job completed and writes its event with the counts. */
export async function completeJob(db: Db, target: ImportTarget, jobId: string):
  Promise<ImportJob> {
  await db.transaction().execute(async (trx) => {
    const time = now();
    const marked = await trx.updateTable('import_jobs').set({ status: 'completed',
      completed_at: time, updated_at: time }).where('id', '=', jobId)
      .where('status', '=', 'running').executeTakeFirst();
    // Completed already (by another process): its event is written, once.
    if (marked.numUpdatedRows !== 1n) return;
    const job = toJob(await trx.selectFrom('import_jobs').selectAll()
      .where('id', '=', jobId).executeTakeFirstOrThrow());
    await recordEvent(trx, {
      type: 'user_import_complete', initiator: target.actor, outcome: 'success',
      applicationId: target.applicationId, resource: { type: 'import_job', id: jobId },
      details: { total: job.total, ...job.counts },
    });
  });
  return getJob(db, jobId);
}

/** The notice's Message-ID, and whether an earlier attempt may have sent it already. */
export interface NoticeAttempt {
  messageId: string;
  repeat: boolean;
}

/**
 * Notes that the notice is about to be sent. The Message-ID is fixed at the first
 * attempt and reused by every later one, so a notice sent again after a crash between
 * the SMTP server taking it and this service noting it is the same message to the
 * recipient's mail system, which can drop the copy.
 */
export async function beginNotice(db: Db, jobId: string, messageId: string):
  Promise<NoticeAttempt> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('import_jobs')
      .select(['notice_message_id', 'notice_sending_at']).where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    const attempt = { messageId: row.notice_message_id ?? messageId,
      repeat: row.notice_sending_at !== null };
    await trx.updateTable('import_jobs').set({ notice_message_id: attempt.messageId,
      notice_sending_at: now() }).where('id', '=', jobId).execute();
    return attempt;
  });
}

export async function markNotified(db: Db, jobId: string): Promise<void> {
  await db.updateTable('import_jobs').set({ notified_at: now() }).where('id', '=', jobId)
    .execute();
}

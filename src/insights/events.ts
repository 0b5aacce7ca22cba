import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';
import { now } from '../store/db.js';

/** Who did something: an administrator, a directory user, or the service itself. */
export interface Actor {
  type: 'admin' | 'user' | 'system';
  id?: string | null;
  name?: string | null;
}

export const SYSTEM: Actor = { type: 'system', id: null, name: 'system' };

export interface NewEvent {
  type: string;
  initiator: Actor;
  resource: { type: string; id?: string | null; name?: string | null };
  outcome: 'success' | 'failure';
  applicationId?: string | null;
  userId?: string | null;
  groupId?: string | null;
  /** Free-form facts about the event. Never secrets. */
  details?: Record<string, unknown>;
}

export interface EventRecord {
  id: string;
  time: string;
  type: string;
  initiator: Actor;
  resource: { type: string; id: string | null; name: string | null };
  outcome: 'success' | 'failure';
  applicationId: string | null;
  userId: string | null;
  groupId: string | null;
  details: Record<string, unknown>;
}

/** The events table's columns for one event. */
function eventRow(event: NewEvent) {
  return {
    id: randomUUID(),
    time: now(),
    type: event.type,
    initiator_type: event.initiator.type,
    initiator_id: event.initiator.id ?? null,
    initiator_name: event.initiator.name ?? null,
    resource_type: event.resource.type,
    resource_id: event.resource.id ?? null,
    resource_name: event.resource.name ?? null,
    application_id: event.applicationId ?? null,
    user_id: event.userId ?? idOfResource(event, 'user'),
    group_id: event.groupId ?? idOfResource(event, 'group'),
    outcome: event.outcome,
    details: JSON.stringify(event.details ?? {}),
  };
}

type EventRow = ReturnType<typeof eventRow>;

interface QueuedEvent {
  row: EventRow;
  written: () => void;
  failed: (error: unknown) => void;
}

/**
 * Rows per multi-row insert: 14 columns each stays far below the bound-parameter limits of
 * SQLite (32,766) and PostgreSQL (65,535).
 */
const ROWS_PER_INSERT = 200;

/** Events waiting for the next group commit, per database handle. */
const queued = new WeakMap<Db, QueuedEvent[]>();

/**
 * Appends one event to the event log and resolves once it is stored. Pass the transaction
 * of the change the event describes, so the change and its event are written together or
 * not at all.
 *
 * Outside a transaction the event joins a group commit: every event recorded in the same
 * turn of the event loop (sign-ins arriving together, say) is written by one insert. On
 * SQLite a commit costs more than the row it writes, so this halves the event log's share
 * of a busy sign-in. Events keep the order they were recorded in.
 */
export async function recordEvent(db: Db, event: NewEvent): Promise<string> {
  const row = eventRow(event);
  if (db.isTransaction) {
    await db.insertInto('events').values(row).execute();
  } else {
    await enqueue(db, row);
  }
  return row.id;
}

function enqueue(db: Db, row: EventRow): Promise<void> {
  return new Promise((written, failed) => {
    let queue = queued.get(db);
    if (!queue) {
      queue = [];
      queued.set(db, queue);
      setImmediate(() => void writeQueued(db));
    }
    queue.push({ row, written, failed });
  });
}

/**
 * Writes the queued events in order. When a group's insert fails, its events are written
 * one by one, so a bad event fails alone and does not take its neighbours with it.
 */
async function writeQueued(db: Db): Promise<void> {
  const queue = queued.get(db) ?? [];
  queued.delete(db);
  for (let start = 0; start < queue.length; start += ROWS_PER_INSERT) {
    const group = queue.slice(start, start + ROWS_PER_INSERT);
    try {
      await db.insertInto('events').values(group.map((e) => e.row)).execute();
      for (const e of group) e.written();
    } catch (error) {
      if (group.length === 1) group[0]!.failed(error);
      else await writeOneByOne(db, group);
    }
  }
}

async function writeOneByOne(db: Db, group: QueuedEvent[]): Promise<void> {
  for (const e of group) {
    try {
      await db.insertInto('events').values(e.row).execute();
      e.written();
    } catch (error) {
      e.failed(error);
    }
  }
}

/** The resource id when the event's resource is of `type`, so filters by user find it. */
function idOfResource(event: NewEvent, type: 'user' | 'group'): string | null {
  return event.resource.type === type ? event.resource.id ?? null : null;
}

export interface EventFilter {
  types?: string[];
  /** Inclusive lower bound, ISO-8601. */
  from?: string;
  /** Exclusive upper bound, ISO-8601. */
  to?: string;
  resourceType?: string;
  resourceId?: string;
  userId?: string;
  applicationId?: string;
  outcome?: 'success' | 'failure';
  /** Return events older than this cursor (an event seq), for paging. */
  before?: number;
  limit: number;
}

/** Events matching the filter, newest first, with a cursor for the next page. */
export async function queryEvents(db: Db, filter: EventFilter):
  Promise<{ events: EventRecord[]; nextCursor: number | null }> {
  let query = db.selectFrom('events').selectAll();
  if (filter.types?.length) query = query.where('type', 'in', filter.types);
  if (filter.from) query = query.where('time', '>=', filter.from);
  if (filter.to) query = query.where('time', '<', filter.to);
  if (filter.resourceType) query = query.where('resource_type', '=', filter.resourceType);
  if (filter.resourceId) query = query.where('resource_id', '=', filter.resourceId);
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  if (filter.applicationId) query = query.where('application_id', '=', filter.applicationId);
  if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
  if (filter.before !== undefined) query = query.where('seq', '<', filter.before);
  const rows = await query.orderBy('seq', 'desc').limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    events: page.map(toEventRecord),
    nextCursor: rows.length > filter.limit && last ? Number(last.seq) : null,
  };
}

function toEventRecord(row: {
  id: string; time: string; type: string; initiator_type: Actor['type'];
  initiator_id: string | null; initiator_name: string | null; resource_type: string;
  resource_id: string | null; resource_name: string | null; application_id: string | null;
  user_id: string | null; group_id: string | null; outcome: 'success' | 'failure';
  details: string;
}): EventRecord {
  return {
    id: row.id,
    time: row.time,
    type: row.type,
    initiator: { type: row.initiator_type, id: row.initiator_id, name: row.initiator_name },
    resource: { type: row.resource_type, id: row.resource_id, name: row.resource_name },
    outcome: row.outcome,
    applicationId: row.application_id,
    userId: row.user_id,
    groupId: row.group_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

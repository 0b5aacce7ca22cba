import type { Db } from '../store/db.js';
import { now, serializeChangeFeed } from '../store/db.js';

/** Directory changes an application can care about; provisioning reads them in order. */
export type ChangeKind =
  | 'user.created' | 'user.updated' | 'user.suspended' | 'user.activated' | 'user.deleted'
  | 'group.created' | 'group.renamed' | 'group.deleted'
  | 'membership.added' | 'membership.removed'
  | 'binding.added' | 'binding.removed';

export interface Change {
  seq: number;
  time: string;
  kind: ChangeKind;
  userId: string | null;
  groupId: string | null;
  data: Record<string, unknown>;
}

/**
 * Appends a change to the durable feed. Call it inside the transaction that makes the
 * change, so the change and its feed entry are written together or not at all.
 */
export async function appendChange(db: Db, kind: ChangeKind,
  ids: { userId?: string | null; groupId?: string | null },
  data: Record<string, unknown> = {}): Promise<void> {
  await serializeChangeFeed(db);
  await db.insertInto('change_feed').values({
    time: now(),
    kind,
    user_id: ids.userId ?? null,
    group_id: ids.groupId ?? null,
    data: JSON.stringify(data),
  }).execute();
}

/** Changes after `afterSeq`, oldest first, at most `limit`. */
export async function readChanges(db: Db, afterSeq: number, limit: number): Promise<Change[]> {
  const rows = await db.selectFrom('change_feed').selectAll()
    .where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit).execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    time: row.time,
    kind: row.kind as ChangeKind,
    userId: row.user_id,
    groupId: row.group_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }));
}

/** Sequence number of the newest change, 0 when the feed is empty. */
export async function latestChangeSeq(db: Db): Promise<number> {
  const row = await db.selectFrom('change_feed').select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Change } from '../directory/feed.js';
import type { Db } from '../store/db.js';
import { enqueue, type NewOperation } from './queue.js';

/*
 * Turns change-feed entries into stored operations for one application. Each change
 * names the users and groups to bring up to date; what to send is decided when the
 * operation runs, from the directory's state then.
 */

export interface PlanTarget {
  applicationId: string;
  manageGroups: boolean;
}

/** Operations stored per transaction: one change (binding a large group) can make thousands. */
const STORE_BATCH = 200;

/**
 * Operations for a batch of changes, stored batch by batch with a turn of the event loop
 * between batches, then the application's new feed cursor. The cursor moves only once
 * every operation is stored; a stop before that plans the same changes again, which
 * stores nothing twice (a target has one pending row) and sends nothing twice (an
 * operation run again finds nothing left to send).
 */
export async function planChanges(db: Db, target: PlanTarget, changes: Change[]):
  Promise<void> {
  const last = changes[changes.length - 1];
  if (!last) return;
  const operations: NewOperation[] = [];
  for (const change of changes) operations.push(...await operationsFor(db, target, change));
  for (let i = 0; i < operations.length; i += STORE_BATCH) {
    const batch = operations.slice(i, i + STORE_BATCH);
    await db.transaction().execute(async (trx) => {
      await enqueue(trx, target.applicationId, batch);
      await markPendingUsers(trx, target.applicationId, batch);
    });
    await yieldToEvents();
  }
  await db.updateTable('idm_integrations').set({ feed_seq: last.seq })
    .where('application_id', '=', target.applicationId).execute();
}

async function operationsFor(db: Db, target: PlanTarget, change: Change):
  Promise<NewOperation[]> {
  const app = target.applicationId;
  const { userId, groupId } = change;
  switch (change.kind) {
    case 'user.updated': case 'user.suspended': case 'user.activated': case 'user.deleted':
      return userId && await concernsUser(db, app, userId) ? [userOp(userId)] : [];
    case 'membership.added': case 'membership.removed':
      if (!userId || !groupId || !await concernsGroup(db, app, groupId)) return [];
      return [userOp(userId), ...groupOps(target, [groupId])];
    case 'group.renamed':
      return groupId && await isBound(db, app, groupId) ? groupOps(target, [groupId]) : [];
    case 'group.deleted':
      return groupId ? groupDeleted(db, target, groupId, change.data) : [];
    case 'binding.added': case 'binding.removed':
      if (!groupId || change.data.applicationId !== app) return [];
      return [...(await membersOf(db, groupId)).map(userOp), ...groupOps(target, [groupId])];
    default:
      return [];
  }
}

const userOp = (userId: string): NewOperation => ({ kind: 'user', targetId: userId });

function groupOps(target: PlanTarget, groupIds: string[]): NewOperation[] {
  return target.manageGroups ? groupIds.map((targetId) => ({ kind: 'group', targetId })) : [];
}

/** A user concerns the application when managed there or holding an account there. */
async function concernsUser(db: Db, app: string, userId: string): Promise<boolean> {
  const linked = await db.selectFrom('idm_users').select('user_id')
    .where('application_id', '=', app).where('user_id', '=', userId).executeTakeFirst();
  if (linked) return true;
  const bound = await db.selectFrom('app_group_bindings')
    .innerJoin('group_members', 'group_members.group_id', 'app_group_bindings.group_id')
    .select('group_members.user_id').where('app_group_bindings.application_id', '=', app)
    .where('group_members.user_id', '=', userId).executeTakeFirst();
  return bound !== undefined;
}

async function concernsGroup(db: Db, app: string, groupId: string): Promise<boolean> {
  if (await isBound(db, app, groupId)) return true;
  const linked = await db.selectFrom('idm_groups').select('group_id')
    .where('application_id', '=', app).where('group_id', '=', groupId).executeTakeFirst();
  return linked !== undefined;
}

async function isBound(db: Db, app: string, groupId: string): Promise<boolean> {
  const row = await db.selectFrom('app_group_bindings').select('group_id')
    .where('application_id', '=', app).where('group_id', '=', groupId).executeTakeFirst();
  return row !== undefined;
}

async function membersOf(db: Db, groupId: string): Promise<string[]> {
  const rows = await db.selectFrom('group_members').select('user_id')
    .where('group_id', '=', groupId).execute();
  return rows.map((r) => r.user_id);
}

/**
 * A deleted group: its application group goes (where supported) and each former member
 * is looked at again, keeping the account of anyone another bound group still covers.
 */
async function groupDeleted(db: Db, target: PlanTarget, groupId: string,
  data: Record<string, unknown>): Promise<NewOperation[]> {
  const applicationIds = (data.applicationIds as string[] | undefined) ?? [];
  const link = await db.selectFrom('idm_groups').selectAll()
    .where('application_id', '=', target.applicationId).where('group_id', '=', groupId)
    .executeTakeFirst();
  if (!link && !applicationIds.includes(target.applicationId)) return [];
  const memberIds = (data.memberIds as string[] | undefined) ?? [];
  const operations = memberIds.map(userOp);
  if (link?.remote_id) {
    operations.push({ kind: 'group.delete', targetId: groupId,
      data: { remoteId: link.remote_id, name: data.name ?? link.display_name } });
  }
  return operations;
}

/** Users with an operation queued show as pending until it has run. */
async function markPendingUsers(db: Db, app: string, operations: NewOperation[]):
  Promise<void> {
  const userIds = [...new Set(operations.filter((o) => o.kind === 'user')
    .map((o) => o.targetId))];
  for (let i = 0; i < userIds.length; i += 300) {
    const ids = userIds.slice(i, i + 300);
    const users = await db.selectFrom('users').select(['id', 'username'])
      .where('id', 'in', ids).execute();
    if (users.length === 0) continue;
    await db.insertInto('idm_users').values(users.map((u) => ({
      application_id: app, user_id: u.id, user_name: u.username, remote_id: null, sent: '{}',
      known_absent: 0, state: 'pending' as const, error: null, updated_at: new Date()
        .toISOString(),
    }))).onConflict((oc) => oc.columns(['application_id', 'user_id']).doNothing()).execute();
  }
}

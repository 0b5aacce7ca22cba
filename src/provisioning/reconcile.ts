import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { now } from '../store/db.js';
import { heldAttributes, type ScimGroupResource, type ScimUserResource } from './mappings.js';
import { enqueue } from './queue.js';
import type { ProvisionEventType } from './events.js';
import { answerFailure, type AppRuntime, isSuccess, recordedCall } from './runtime.js';
import type { ListBody, ScimAnswer } from './scim-client.js';

/*
 * A full reconcile (on activation and on "sync now"): read every account and group the
 * application returns, page by page, link what matches the directory, then queue one
 * operation per managed user and group. Reading in pages costs one request per page
 * where looking each user up would cost one per user. Each page read is an event, like
 * every other call, so that a restart counts it against the quota of its minute.
 */

export const PAGE_SIZE = 100;
/** Rows per transaction: small enough that a reconcile never holds the event loop long. */
const BATCH = 100;

/** Runs a reconcile operation. Throws DeliveryError when a read failed. */
export async function reconcile(rt: AppRuntime): Promise<void> {
  const accounts = await readAll(rt, 'user_lookup_provision',
    (start) => rt.client.listUsers(start, PAGE_SIZE));
  const userIds = await linkUsers(rt, accounts);
  await enqueueInBatches(rt, 'user', userIds);
  if (rt.manageGroups && rt.capabilities.supportsGroups) {
    // Group reads are recorded with the group events, as a group lookup is.
    const groups = await readAll(rt, 'group_update_provision',
      (start) => rt.client.listGroups(start, PAGE_SIZE));
    const groupIds = await linkGroups(rt, groups);
    await enqueueInBatches(rt, 'group', groupIds);
  }
}

/**
 * Reads every page of a list. Moves on by the number of resources actually returned,
 * so a server that ignores the page size (or caps it lower) is read correctly too.
 */
async function readAll<T>(rt: AppRuntime, type: ProvisionEventType,
  page: (startIndex: number) => Promise<ScimAnswer<ListBody<T>>>): Promise<T[]> {
  const all: T[] = [];
  let startIndex = 1;
  for (;;) {
    const answer = await readPage(rt, type, () => page(startIndex), startIndex);
    const resources = answer.body?.Resources ?? [];
    all.push(...resources);
    const total = answer.body?.totalResults ?? all.length;
    startIndex += resources.length;
    if (resources.length === 0 || startIndex > total) return all;
    await yieldToEvents();
  }
}

/** Reads one page and records it as an event of the application. */
async function readPage<T>(rt: AppRuntime, type: ProvisionEventType,
  page: () => Promise<ScimAnswer<ListBody<T>>>, startIndex: number):
  Promise<ScimAnswer<ListBody<T>>> {
  const subject = { kind: 'application' as const, id: rt.applicationId,
    name: rt.connectorName };
  const answer = await recordedCall(rt, type, subject, page, (a) => ({
    page: { startIndex, returned: a.body?.Resources?.length ?? 0,
      totalResults: a.body?.totalResults ?? null } }));
  if (!isSuccess(answer)) throw answerFailure(answer, 'read');
  return answer;
}

/** Managed users, and users with a link: everyone a user operation must look at. */
async function usersToSync(rt: AppRuntime): Promise<Map<string, string>> {
  const managed = await rt.db.selectFrom('app_group_bindings')
    .innerJoin('group_members', 'group_members.group_id', 'app_group_bindings.group_id')
    .innerJoin('users', 'users.id', 'group_members.user_id')
    .select(['users.id', 'users.username'])
    .where('app_group_bindings.application_id', '=', rt.applicationId)
    .distinct().execute();
  const linked = await rt.db.selectFrom('idm_users').select(['user_id', 'user_name'])
    .where('application_id', '=', rt.applicationId).execute();
  const users = new Map(linked.map((l) => [l.user_id, l.user_name]));
  for (const u of managed) users.set(u.id, u.username);
  return users;
}

/**
 * Links accounts by id (still there) or by userName in any letter case, and notes the
 * users the application does not have, so their operations create without a lookup.
 */
async function linkUsers(rt: AppRuntime, accounts: ScimUserResource[]): Promise<string[]> {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const byName = new Map(accounts.filter((a) => a.userName)
    .map((a) => [a.userName!.toLowerCase(), a]));
  const links = new Map((await rt.db.selectFrom('idm_users').selectAll()
    .where('application_id', '=', rt.applicationId).execute()).map((l) => [l.user_id, l]));
  const users = [...(await usersToSync(rt)).entries()];
  for (let i = 0; i < users.length; i += BATCH) {
    await rt.db.transaction().execute(async (trx) => {
      for (const [userId, userName] of users.slice(i, i + BATCH)) {
        const link = links.get(userId);
        const account = (link?.remote_id ? byId.get(link.remote_id) : undefined)
          ?? byName.get(userName.toLowerCase());
        const values = {
          user_name: link?.user_name ?? userName, remote_id: account?.id ?? null,
          sent: account ? JSON.stringify(heldAttributes(account)) : '{}',
          known_absent: account ? 0 : 1, updated_at: now(),
        };
        await trx.insertInto('idm_users').values({ application_id: rt.applicationId,
          user_id: userId, state: 'pending', error: null, ...values })
          .onConflict((oc) => oc.columns(['application_id', 'user_id']).doUpdateSet(values))
          .execute();
      }
    });
    await yieldToEvents();
  }
  return users.map(([id]) => id);
}

/** Links bound groups to the application's groups by id, or by name (a takeover). */
async function linkGroups(rt: AppRuntime, groups: ScimGroupResource[]): Promise<string[]> {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const byName = new Map(groups.filter((g) => g.displayName)
    .map((g) => [g.displayName!.toLowerCase(), g]));
  const bound = await rt.db.selectFrom('app_group_bindings')
    .innerJoin('user_groups', 'user_groups.id', 'app_group_bindings.group_id')
    .select(['user_groups.id', 'user_groups.name'])
    .where('app_group_bindings.application_id', '=', rt.applicationId).execute();
  const links = new Map((await rt.db.selectFrom('idm_groups').selectAll()
    .where('application_id', '=', rt.applicationId).execute()).map((l) => [l.group_id, l]));
  await rt.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('idm_group_members').where('application_id', '=', rt.applicationId)
      .execute();
    for (const group of bound) {
      const link = links.get(group.id);
      const remote = (link?.remote_id ? byId.get(link.remote_id) : undefined)
        ?? byName.get(group.name.toLowerCase());
      const values = {
        remote_id: remote?.id ?? null, display_name: remote?.displayName ?? group.name,
        // The list was read without members: they are read again before any change.
        members_known: 0, known_absent: remote ? 0 : 1, state: 'pending' as const,
        error: null, updated_at: now(),
      };
      await trx.insertInto('idm_groups').values({ application_id: rt.applicationId,
        group_id: group.id, ...values })
        .onConflict((oc) => oc.columns(['application_id', 'group_id']).doUpdateSet(values))
        .execute();
    }
  });
  return bound.map((g) => g.id);
}

async function enqueueInBatches(rt: AppRuntime, kind: 'user' | 'group', ids: string[]):
  Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    await enqueue(rt.db, rt.applicationId,
      ids.slice(i, i + BATCH).map((targetId) => ({ kind, targetId })));
    await yieldToEvents();
  }
}

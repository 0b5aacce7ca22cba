import { now } from '../store/db.js';
import type { PatchOperation, ScimGroupResource } from './mappings.js';
import {
  answerFailure, type AppRuntime, type CallSubject, DeliveryError, isGroupBound, isSuccess,
  recordedCall,
} from './runtime.js';
import type { ListBody, ScimAnswer } from './scim-client.js';

/*
 * Brings one managed group in the application to the directory's state: its name and
 * its members. Membership goes as add and remove operations on the difference between
 * what the application holds and what the directory says, in chunks, so a change to a
 * group of thousands sends one small request rather than the whole list again.
 */

/** Members per add or remove request. */
export const MEMBER_CHUNK = 100;

interface GroupState {
  id: string;
  name: string;
  remoteId: string | null;
  heldName: string;
  membersKnown: boolean;
  knownAbsent: boolean;
}

/** Runs a group operation. Throws DeliveryError when a call failed. */
export async function syncGroup(rt: AppRuntime, groupId: string): Promise<void> {
  if (!rt.manageGroups || !rt.capabilities.supportsGroups) return;
  const group = await rt.db.selectFrom('user_groups').select(['id', 'name'])
    .where('id', '=', groupId).executeTakeFirst();
  if (!group || !await isGroupBound(rt.db, rt.applicationId, groupId)) {
    // Unbound: syncing stops and the group is left as it is in the application.
    await forgetGroup(rt, groupId);
    return;
  }
  const desired = await desiredMembers(rt, groupId);
  let state = await loadGroupState(rt, group);
  if (!state.remoteId) {
    if (desired.length === 0) return; // Empty groups are not created.
    state = await takeOverOrCreate(rt, state, desired);
  }
  if (state.heldName !== group.name) await renameGroup(rt, state);
  await syncMembers(rt, state, desired);
}

/** Runs a group deletion: the application's group goes where the connector allows it. */
export async function deleteGroup(rt: AppRuntime, groupId: string,
  data: { remoteId?: string; name?: string }): Promise<void> {
  if (rt.manageGroups && rt.capabilities.supportsGroupDeletion && data.remoteId) {
    const remoteId = data.remoteId;
    const answer = await recordedCall(rt, 'group_delete_provision',
      { kind: 'group', id: groupId, name: data.name ?? '' },
      () => rt.client.deleteGroup(remoteId));
    if (!isSuccess(answer) && answer.status !== 404) throw answerFailure(answer, 'delete');
  }
  await forgetGroup(rt, groupId);
}

/** Remote ids of the group's members that have an account in the application. */
async function desiredMembers(rt: AppRuntime, groupId: string): Promise<string[]> {
  const rows = await rt.db.selectFrom('group_members')
    .innerJoin('idm_users', 'idm_users.user_id', 'group_members.user_id')
    .select('idm_users.remote_id')
    .where('group_members.group_id', '=', groupId)
    .where('idm_users.application_id', '=', rt.applicationId)
    .where('idm_users.remote_id', 'is not', null).execute();
  return rows.map((r) => r.remote_id!);
}

async function loadGroupState(rt: AppRuntime, group: { id: string; name: string }):
  Promise<GroupState> {
  const row = await rt.db.selectFrom('idm_groups').selectAll()
    .where('application_id', '=', rt.applicationId).where('group_id', '=', group.id)
    .executeTakeFirst();
  return {
    id: group.id, name: group.name, remoteId: row?.remote_id ?? null,
    heldName: row?.display_name ?? group.name, membersKnown: row?.members_known === 1,
    knownAbsent: row?.known_absent === 1,
  };
}

/** A same-named group in the application is taken over; otherwise one is created. */
async function takeOverOrCreate(rt: AppRuntime, state: GroupState, desired: string[]):
  Promise<GroupState> {
  const existing = state.knownAbsent ? undefined : await findGroup(rt, state);
  if (existing) return saveGroup(rt, { ...state, remoteId: existing.id,
    heldName: existing.displayName ?? state.name, membersKnown: false }, null);
  const first = desired.slice(0, MEMBER_CHUNK);
  // Cleared before sending: after a stop mid-request, the next run looks the group up.
  if (state.knownAbsent) {
    state.knownAbsent = false;
    await saveGroup(rt, state, null);
  }
  const answer = await recordedCall(rt, 'group_create_provision', subjectOf(state),
    () => rt.client.createGroup(state.name, first), () => ({ members: first.length }));
  if (answer.status === 409) {
    const again = await findGroup(rt, state);
    if (!again) throw answerFailure(answer, 'create group');
    return saveGroup(rt, { ...state, remoteId: again.id,
      heldName: again.displayName ?? state.name, membersKnown: false }, null);
  }
  if (!isSuccess(answer) || !answer.body?.id) throw answerFailure(answer, 'create group');
  return saveGroup(rt, { ...state, remoteId: answer.body.id, heldName: state.name,
    membersKnown: true }, first);
}

async function findGroup(rt: AppRuntime, state: GroupState):
  Promise<ScimGroupResource | undefined> {
  const wanted = state.name.toLowerCase();
  const matchIn = (a: ScimAnswer<ListBody<ScimGroupResource>>) =>
    a.body?.Resources?.find((g) => g.displayName?.toLowerCase() === wanted);
  // A failed group lookup is recorded with the group events: it serves a group update.
  const answer = await recordedCall(rt, 'group_update_provision', subjectOf(state),
    () => rt.client.findGroups(state.name), (a) => ({ lookup: true, found: !!matchIn(a) }));
  if (!isSuccess(answer)) throw answerFailure(answer, 'group lookup');
  return matchIn(answer);
}

async function renameGroup(rt: AppRuntime, state: GroupState): Promise<void> {
  const operations: PatchOperation[] = [{ op: 'replace', path: 'displayName',
    value: state.name }];
  const answer = await recordedCall(rt, 'group_update_provision', subjectOf(state),
    () => rt.client.patchGroup(state.remoteId!, operations),
    () => ({ renamedFrom: state.heldName }));
  if (answer.status === 404) {
    await forgetGroup(rt, state.id);
    throw new DeliveryError('The group no longer exists in the application', 404, true);
  }
  if (!isSuccess(answer)) throw answerFailure(answer, 'rename group');
  state.heldName = state.name;
  await saveGroup(rt, state, null);
}

/** Sends the difference between the held and the desired members, chunk by chunk. */
async function syncMembers(rt: AppRuntime, state: GroupState, desired: string[]):
  Promise<void> {
  if (!state.membersKnown) await readMembers(rt, state);
  const held = new Set(await heldMembers(rt, state.id));
  const wanted = new Set(desired);
  const toAdd = desired.filter((id) => !held.has(id));
  const toRemove = [...held].filter((id) => !wanted.has(id));
  for (let i = 0; i < toAdd.length; i += MEMBER_CHUNK) {
    await changeMembers(rt, state, toAdd.slice(i, i + MEMBER_CHUNK), []);
  }
  for (let i = 0; i < toRemove.length; i += MEMBER_CHUNK) {
    await changeMembers(rt, state, [], toRemove.slice(i, i + MEMBER_CHUNK));
  }
}

async function changeMembers(rt: AppRuntime, state: GroupState, add: string[],
  remove: string[]): Promise<void> {
  const operations: PatchOperation[] = add.length > 0
    ? [{ op: 'add', path: 'members', value: add.map((value) => ({ value })) }]
    : remove.map((id) => ({ op: 'remove', path: `members[value eq ${JSON.stringify(id)}]` }));
  const answer = await recordedCall(rt, 'group_update_provision', subjectOf(state),
    () => rt.client.patchGroup(state.remoteId!, operations),
    () => ({ added: add.length, removed: remove.length }));
  if (answer.status === 404) {
    await forgetGroup(rt, state.id);
    throw new DeliveryError('The group no longer exists in the application', 404, true);
  }
  if (!isSuccess(answer)) throw answerFailure(answer, 'group membership');
  await recordMembers(rt, state.id, add, remove);
}

/** Reads the members a taken-over group holds, so the first sync sends a difference. */
async function readMembers(rt: AppRuntime, state: GroupState): Promise<void> {
  const answer = await recordedCall(rt, 'group_update_provision', subjectOf(state),
    () => rt.client.getGroup(state.remoteId!), () => ({ read: true }));
  if (!isSuccess(answer)) throw answerFailure(answer, 'read group');
  const ids = (answer.body?.members ?? []).map((m) => m.value);
  await rt.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('idm_group_members').where('application_id', '=', rt.applicationId)
      .where('group_id', '=', state.id).execute();
    await insertMembers(trx, rt.applicationId, state.id, ids);
    await trx.updateTable('idm_groups').set({ members_known: 1, updated_at: now() })
      .where('application_id', '=', rt.applicationId).where('group_id', '=', state.id)
      .execute();
  });
  state.membersKnown = true;
}

async function heldMembers(rt: AppRuntime, groupId: string): Promise<string[]> {
  const rows = await rt.db.selectFrom('idm_group_members').select('remote_user_id')
    .where('application_id', '=', rt.applicationId).where('group_id', '=', groupId)
    .execute();
  return rows.map((r) => r.remote_user_id);
}

async function recordMembers(rt: AppRuntime, groupId: string, add: string[],
  remove: string[]): Promise<void> {
  await insertMembers(rt.db, rt.applicationId, groupId, add);
  if (remove.length > 0) {
    await rt.db.deleteFrom('idm_group_members').where('application_id', '=', rt.applicationId)
      .where('group_id', '=', groupId).where('remote_user_id', 'in', remove).execute();
  }
}

async function insertMembers(db: AppRuntime['db'], applicationId: string, groupId: string,
  ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 300) {
    const rows = ids.slice(i, i + 300).map((remote_user_id) => ({
      application_id: applicationId, group_id: groupId, remote_user_id }));
    await db.insertInto('idm_group_members').values(rows)
      .onConflict((oc) => oc.doNothing()).execute();
  }
}

async function saveGroup(rt: AppRuntime, state: GroupState, members: string[] | null):
  Promise<GroupState> {
  const values = {
    remote_id: state.remoteId, display_name: state.heldName,
    members_known: state.membersKnown ? 1 : 0, known_absent: state.knownAbsent ? 1 : 0,
    state: state.remoteId ? 'provisioned' as const : 'pending' as const, error: null,
    updated_at: now(),
  };
  await rt.db.transaction().execute(async (trx) => {
    await trx.insertInto('idm_groups').values({ application_id: rt.applicationId,
      group_id: state.id, ...values })
      .onConflict((oc) => oc.columns(['application_id', 'group_id']).doUpdateSet(values))
      .execute();
    if (members) await insertMembers(trx, rt.applicationId, state.id, members);
  });
  return state;
}

/** Stops managing a group: the application keeps it as it is. */
export async function forgetGroup(rt: Pick<AppRuntime, 'db' | 'applicationId'>,
  groupId: string): Promise<void> {
  await rt.db.deleteFrom('idm_group_members').where('application_id', '=', rt.applicationId)
    .where('group_id', '=', groupId).execute();
  await rt.db.deleteFrom('idm_groups').where('application_id', '=', rt.applicationId)
    .where('group_id', '=', groupId).execute();
}

function subjectOf(state: GroupState): CallSubject {
  return { kind: 'group', id: state.id, name: state.name };
}

import { toUser, type User } from '../directory/users.js';
import { recordProvisionEvent } from './events.js';
import {
  type AttributeMap, changedPaths, createUserPayload, desiredAttributes, heldAttributes,
  type ScimUserResource, userPatchOperations,
} from './mappings.js';
import {
  answerFailure, type AppRuntime, boundGroupsOfUser, DeliveryError, isManaged, isSuccess,
  type CallSubject, type LinkRow, loadUserLink, recordedCall, saveUserLink,
} from './runtime.js';
import type { ListBody, ScimAnswer } from './scim-client.js';

/*
 * Brings one user's account in the application to the directory's state. The run reads
 * the directory and the stored link, so it is the same whether one change or ten led
 * here, and running it twice sends nothing the second time.
 */

export const NO_REACTIVATION = 'The application does not support reactivating users over '
  + 'SCIM: reactivate the account in the application, then run "sync now".';

/** Runs a user operation. Throws DeliveryError when a call failed. */
export async function syncUser(rt: AppRuntime, userId: string): Promise<void> {
  const row = await rt.db.selectFrom('users').selectAll().where('id', '=', userId)
    .executeTakeFirst();
  const user = row ? toUser(row) : null;
  const link = await loadUserLink(rt.db, rt.applicationId, userId);
  if (user && await isManaged(rt.db, rt.applicationId, userId)) {
    await provisionAccount(rt, user, link);
  } else if (link) {
    await retireAccount(rt, userId, user, link);
  }
}

/** The user is managed: create, adopt or update the account. */
async function provisionAccount(rt: AppRuntime, user: User, link: LinkRow | undefined):
  Promise<void> {
  const desired = desiredAttributes(user, rt.excludedAttributes);
  if (link?.remote_id) {
    await updateAccount(rt, user, link, desired);
    return;
  }
  const found = link?.known_absent ? null : await lookupUser(rt, user.id, user.username);
  if (found) {
    await adopt(rt, user, found, desired);
  } else if (user.status === 'active') {
    await createAccount(rt, user, desired);
  } else {
    // A suspended user without an account: there is nothing to shut off.
    await saveUserLink(rt.db, rt.applicationId, user.id,
      { user_name: user.username, state: 'deactivated', known_absent: 0, error: null });
  }
}

/** Links an existing account (whatever the letter case of its userName) and updates it. */
async function adopt(rt: AppRuntime, user: User, resource: ScimUserResource,
  desired: AttributeMap): Promise<void> {
  const held = heldAttributes(resource);
  await saveUserLink(rt.db, rt.applicationId, user.id, {
    user_name: user.username, remote_id: resource.id, sent: JSON.stringify(held),
    known_absent: 0, state: 'pending', error: null,
  });
  await rt.followUp('group', await boundGroupsOfUser(rt.db, rt.applicationId, user.id));
  const link = await loadUserLink(rt.db, rt.applicationId, user.id);
  await updateAccount(rt, user, link!, desired);
}

async function createAccount(rt: AppRuntime, user: User, desired: AttributeMap):
  Promise<void> {
  // Cleared before sending: if the process stops before the answer is stored, the
  // next run looks the account up instead of creating it a second time.
  await saveUserLink(rt.db, rt.applicationId, user.id,
    { user_name: user.username, known_absent: 0 });
  const answer = await recordedCall(rt, 'user_create_provision', subjectOf(user),
    () => rt.client.createUser(createUserPayload(desired)),
    (a) => (a.body?.id ? { remoteId: a.body.id } : {}));
  if (answer.status === 409) {
    const found = await lookupUser(rt, user.id, user.username);
    if (!found) {
      throw new DeliveryError('The application reports that the account exists but does not '
        + 'return it (it may be a guest account, which is never managed)', 409, false);
    }
    await adopt(rt, user, found, desired);
    return;
  }
  if (!isSuccess(answer) || !answer.body?.id) throw answerFailure(answer, 'create');
  await saveUserLink(rt.db, rt.applicationId, user.id, {
    user_name: user.username, remote_id: answer.body.id, sent: JSON.stringify(desired),
    state: 'provisioned', error: null,
  });
  await rt.followUp('group', await boundGroupsOfUser(rt.db, rt.applicationId, user.id));
}

/** Sends what changed since the application last held this user's attributes. */
async function updateAccount(rt: AppRuntime, user: User, link: LinkRow,
  desired: AttributeMap): Promise<void> {
  const held = JSON.parse(link.sent) as AttributeMap;
  if (desired.active === true && held.active === false && !rt.capabilities.supportsReactivation) {
    await markNeedsReactivation(rt, user, link);
    return;
  }
  const paths = changedPaths(desired, held);
  const operations = userPatchOperations(desired, paths, rt.capabilities);
  const state = desired.active === false ? 'deactivated' : 'provisioned';
  if (operations.length > 0) {
    const type = paths.includes('active') && desired.active === false
      ? 'user_deprovision' : 'user_update_provision';
    const answer = await recordedCall(rt, type, subjectOf(user),
      () => rt.client.patchUser(link.remote_id!, operations), () => ({ changed: paths }));
    if (answer.status === 404) {
      await forgetAccount(rt, user.id, user.username);
      await provisionAccount(rt, user, await loadUserLink(rt.db, rt.applicationId, user.id));
      return;
    }
    if (!isSuccess(answer)) throw answerFailure(answer, 'update');
  }
  await saveUserLink(rt.db, rt.applicationId, user.id, {
    user_name: user.username, sent: JSON.stringify({ ...held, ...desired }), state,
    error: null,
  });
}

async function markNeedsReactivation(rt: AppRuntime, user: User, link: LinkRow):
  Promise<void> {
  if (link.state === 'needs_manual_action') return;
  await saveUserLink(rt.db, rt.applicationId, user.id,
    { user_name: user.username, state: 'needs_manual_action', error: NO_REACTIVATION });
  await recordProvisionEvent(rt.db, {
    type: 'user_update_provision', applicationId: rt.applicationId, success: false,
    subject: { kind: 'user', id: user.id, name: user.username }, status: null,
    message: NO_REACTIVATION, details: { manualActionNeeded: true },
  });
}

/**
 * The user is no longer managed (suspended users stay managed and are handled as an
 * update). The account is deleted where the connector allows it and the user is gone
 * from the directory; otherwise it is deactivated.
 */
async function retireAccount(rt: AppRuntime, userId: string, user: User | null,
  link: LinkRow): Promise<void> {
  if (!link.remote_id) {
    await rt.db.deleteFrom('idm_users').where('application_id', '=', rt.applicationId)
      .where('user_id', '=', userId).execute();
    return;
  }
  if (!user && rt.capabilities.supportsUserDeletion) {
    await deleteAccount(rt, userId, link);
    return;
  }
  const held = JSON.parse(link.sent) as AttributeMap;
  if (held.active === false) {
    await saveUserLink(rt.db, rt.applicationId, userId,
      { user_name: link.user_name, state: 'deactivated', error: null });
    return;
  }
  const remoteId = link.remote_id;
  const answer = await recordedCall(rt, 'user_deprovision',
    subjectOf({ id: userId, username: link.user_name }),
    () => rt.client.patchUser(remoteId, [{ op: 'replace', path: 'active', value: false }]));
  if (answer.status === 404) {
    await forgetAccount(rt, userId, link.user_name);
    return;
  }
  if (!isSuccess(answer)) throw answerFailure(answer, 'deactivate');
  await saveUserLink(rt.db, rt.applicationId, userId, {
    user_name: link.user_name, sent: JSON.stringify({ ...held, active: false }),
    state: 'deactivated', error: null,
  });
}

async function deleteAccount(rt: AppRuntime, userId: string, link: LinkRow): Promise<void> {
  const answer = await recordedCall(rt, 'user_delete_provision',
    subjectOf({ id: userId, username: link.user_name }),
    () => rt.client.deleteUser(link.remote_id!));
  if (!isSuccess(answer) && answer.status !== 404) throw answerFailure(answer, 'delete');
  await rt.db.deleteFrom('idm_users').where('application_id', '=', rt.applicationId)
    .where('user_id', '=', userId).execute();
}

/** The account is gone from the application: drop the link, keep the row. */
async function forgetAccount(rt: AppRuntime, userId: string, userName: string):
  Promise<void> {
  await saveUserLink(rt.db, rt.applicationId, userId,
    { user_name: userName, remote_id: null, sent: '{}', known_absent: 0 });
}

/**
 * Finds the account by userName. The filter is case-insensitive in SCIM; the answer is
 * checked again here, in any letter case, since not every server filters exactly.
 */
async function lookupUser(rt: AppRuntime, userId: string, userName: string):
  Promise<ScimUserResource | null> {
  const wanted = userName.toLowerCase();
  const matchIn = (a: ScimAnswer<ListBody<ScimUserResource>>) =>
    a.body?.Resources?.find((r) => r.userName?.toLowerCase() === wanted);
  const answer = await recordedCall(rt, 'user_lookup_provision',
    subjectOf({ id: userId, username: userName }), () => rt.client.findUsers(userName),
    (a) => ({ found: Boolean(matchIn(a)) }));
  const match = matchIn(answer);
  if (!isSuccess(answer)) throw answerFailure(answer, 'lookup');
  return match ?? null;
}

function subjectOf(user: { id: string; username: string }): CallSubject {
  return { kind: 'user', id: user.id, name: user.username };
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '../../src/context.js';
import { SYSTEM } from '../../src/insights/events.js';
import { NO_REACTIVATION } from '../../src/provisioning/user-sync.js';
import {
  activate, boundGroup, eventsOf, makeUser, type Setup, settled, setUp, spUser,
} from './support.js';

type Patch = { Operations: { op: string; path: string; value?: unknown }[] };

/** PATCH bodies the SP received for one account, oldest first. */
function patchesOf(setup: Setup, remoteId: string): Patch[] {
  return setup.sp.requests.filter((r) => r.method === 'PATCH' && r.path === `/Users/${remoteId}`)
    .map((r) => r.body as Patch);
}

describe('users in an Asana-like application', () => {
  let setup: Setup;
  let group: string;
  let ctx: AppContext;
  before(async () => {
    setup = await setUp();
    ctx = setup.service.ctx;
    group = await boundGroup(setup);
    await activate(setup);
    await settled(setup);
  });
  after(() => setup.dispose());

  it('creates an account with only mapped attributes, active as a JSON boolean', async () => {
    const user = await makeUser(setup, [group], { jobTitle: 'Engineer', department: 'R&D' });
    await settled(setup);
    const create = setup.sp.requests.find((r) => r.method === 'POST' && r.path === '/Users'
      && (r.body as { userName: string }).userName === user.username);
    const body = create?.body as Record<string, unknown>;
    assert.equal(body.active, true);
    assert.equal(body.title, 'Engineer');
    assert.deepEqual(body['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      { department: 'R&D' });
    assert.deepEqual(Object.keys(body).sort(), ['active', 'emails', 'name', 'schemas', 'title',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'userName']);
    assert.equal(spUser(setup.sp, user.username)?.title, 'Engineer');
  });

  it('sends only what changed, names as name.formatted, and collapses repeated changes',
    async () => {
      const user = await makeUser(setup, [group]);
      await settled(setup);
      const remoteId = spUser(setup.sp, user.username)!.id;
      await ctx.provisioning.worker.stop();
      await ctx.users.update(user.id, { firstName: 'Ada' }, SYSTEM);
      await ctx.users.update(user.id, { firstName: 'Adele' }, SYSTEM);
      await ctx.users.update(user.id, { jobTitle: 'Architect' }, SYSTEM);
      await ctx.provisioning.worker.start();
      await settled(setup);
      const patches = patchesOf(setup, remoteId);
      assert.equal(patches.length, 1, 'three changes, one call');
      assert.deepEqual(patches[0]!.Operations.map((o) => [o.path, o.value]).sort(), [
        ['name.formatted', `Adele ${user.lastName}`], ['title', 'Architect']]);
      const account = spUser(setup.sp, user.username)!;
      assert.equal(account.name?.formatted, `Adele ${user.lastName}`);
      assert.equal(account.title, 'Architect');
    });

  it('sends nothing when no mapped attribute changed', async () => {
    const user = await makeUser(setup, [group]);
    await settled(setup);
    const before = setup.sp.requests.length;
    await ctx.users.setPassword(user.id, 'a new password', SYSTEM);
    await ctx.users.update(user.id, { firstName: user.firstName }, SYSTEM);
    await settled(setup);
    assert.equal(setup.sp.requests.length, before);
  });

  it('deactivates a suspended user, and never sends active: true again', async () => {
    const user = await makeUser(setup, [group]);
    await settled(setup);
    const remoteId = spUser(setup.sp, user.username)!.id;
    await ctx.users.setStatus(user.id, 'suspended', SYSTEM);
    await settled(setup);
    assert.equal(spUser(setup.sp, user.username)?.active, false);
    assert.deepEqual(patchesOf(setup, remoteId).at(-1)?.Operations,
      [{ op: 'replace', path: 'active', value: false }]);
    const deprovision = (await eventsOf(setup, 'user_deprovision')).at(-1);
    assert.equal(deprovision?.user_id, user.id);
    assert.equal(deprovision?.outcome, 'success');

    await ctx.users.setStatus(user.id, 'active', SYSTEM);
    await settled(setup);
    const sentTrue = patchesOf(setup, remoteId).some((p) =>
      p.Operations.some((o) => o.path === 'active' && o.value === true));
    assert.equal(sentTrue, false);
    const res = await setup.api('get', '/users?state=needs_manual_action').expect(200);
    assert.deepEqual(res.body.items.map((u: { userId: string }) => u.userId), [user.id]);
    assert.equal(res.body.items[0].error, NO_REACTIVATION);
    const event = (await eventsOf(setup, 'user_update_provision')).at(-1);
    assert.equal(event?.outcome, 'failure');
    assert.match(JSON.parse(event!.details).message, /does not support reactivating/);
  });

  it('deactivates (never deletes) a user removed from every bound group or deleted',
    async () => {
      const removed = await makeUser(setup, [group]);
      const deleted = await makeUser(setup, [group]);
      await settled(setup);
      await ctx.groups.removeMember(group, removed.id, SYSTEM);
      await ctx.users.delete(deleted.id, SYSTEM);
      await settled(setup);
      assert.equal(spUser(setup.sp, removed.username)?.active, false);
      assert.equal(spUser(setup.sp, deleted.username)?.active, false);
      assert.equal(setup.sp.requests.filter((r) => r.method === 'DELETE').length, 0);
    });

  it('adopts an existing account whatever the letter case of its userName', async () => {
    const seeded = setup.sp.seedUser({ userName: 'Grace.Hopper@Example.com', active: true });
    const user = await makeUser(setup, [group], { username: 'grace.hopper@example.com' });
    await settled(setup);
    assert.equal(setup.sp.users().filter((u) =>
      u.userName.toLowerCase() === 'grace.hopper@example.com').length, 1);
    const link = await ctx.db.selectFrom('idm_users').selectAll()
      .where('user_id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(link.remote_id, seeded.id);
    assert.equal(link.state, 'provisioned');
  });

  it('escapes the userName in the filter and URL-encodes it', async () => {
    const username = 'o"brien+x@example.com';
    const seeded = setup.sp.seedUser({ userName: username, active: true });
    const user = await ctx.users.create({ username, email: 'obrien@example.com' }, SYSTEM,
      [group]);
    await settled(setup);
    const lookup = setup.sp.requests.find((r) => r.method === 'GET'
      && decodeURIComponent(r.query).includes('o\\"brien'));
    assert.equal(lookup?.query, `filter=${encodeURIComponent('userName eq "o\\"brien+x@example.com"')}`);
    const link = await ctx.db.selectFrom('idm_users').selectAll()
      .where('user_id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(link.remote_id, seeded.id);
  });

  it('a create answered 409 is looked up and linked, not created again', async () => {
    await ctx.provisioning.worker.stop();
    const user = await makeUser(setup, [group]);
    const seeded = setup.sp.seedUser({ userName: user.username, active: true });
    // As if a full read had just found no such account: the run creates without looking.
    await ctx.db.insertInto('idm_users').values({ application_id: setup.appId,
      user_id: user.id, user_name: user.username, remote_id: null, sent: '{}', known_absent: 1,
      state: 'pending', error: null, updated_at: new Date().toISOString() }).execute();
    await ctx.provisioning.worker.start();
    await settled(setup);
    const calls = setup.sp.requests.filter((r) => r.path === '/Users'
      && (JSON.stringify(r.body ?? '').includes(user.username)
        || decodeURIComponent(r.query).includes(user.username)));
    assert.deepEqual(calls.map((c) => [c.method, c.status]), [['POST', 409], ['GET', 200]]);
    const link = await ctx.db.selectFrom('idm_users').selectAll()
      .where('user_id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(link.remote_id, seeded.id);
  });

  it('an update answered 404 is looked up again before anything is created', async () => {
    const user = await makeUser(setup, [group]);
    await settled(setup);
    const creates = setup.sp.requests.filter((r) => r.method === 'POST').length;
    setup.sp.faults.failNext(1, 404);
    await ctx.users.update(user.id, { jobTitle: 'Pilot' }, SYSTEM);
    await settled(setup);
    assert.equal(spUser(setup.sp, user.username)?.title, 'Pilot');
    assert.equal(setup.sp.requests.filter((r) => r.method === 'POST').length, creates);
    const lookups = await eventsOf(setup, 'user_lookup_provision');
    assert.equal(lookups.at(-1)?.user_id, user.id);
  });

  it('never touches a guest: the create is refused and parked with a clear error', async () => {
    setup.sp.seedUser({ userName: 'guest.user@example.com', guest: true, active: true });
    const user = await makeUser(setup, [group], { username: 'guest.user@example.com' });
    await settled(setup);
    const res = await setup.api('get', '/users?state=failed').expect(200);
    const row = res.body.items.find((u: { userId: string }) => u.userId === user.id);
    assert.match(row.error, /guest/);
    const guest = setup.sp.users().find((u) => u.userName === 'guest.user@example.com');
    assert.equal(setup.sp.requests.some((r) => r.path === `/Users/${guest!.id}`), false);
  });

  it('records an event for every call with status and application message', async () => {
    const creates = await eventsOf(setup, 'user_create_provision');
    const refused = creates.find((e) => e.outcome === 'failure');
    assert.ok(refused, 'a refused create was recorded');
    const details = JSON.parse(refused.details);
    assert.equal(details.status, 409);
    assert.match(details.message, /already exists/);
    assert.ok(creates.every((e) => e.application_id === setup.appId && e.user_id));
  });
});

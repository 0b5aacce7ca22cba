import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '../../src/context.js';
import { SYSTEM } from '../../src/insights/events.js';
import { MEMBER_CHUNK } from '../../src/provisioning/group-sync.js';
import {
  activate, boundGroup, eventsOf, makeUser, type Setup, settled, setUp, spUser,
} from './support.js';

type Patch = { Operations: { op: string; path: string; value?: { value: string }[] }[] };

describe('groups in an Asana-like application', () => {
  let setup: Setup;
  let ctx: AppContext;
  before(async () => {
    setup = await setUp({ manageGroups: true });
    ctx = setup.service.ctx;
    await activate(setup);
    await settled(setup);
  });
  after(() => setup.dispose());

  const spGroup = (name: string) => setup.sp.groups().find((g) => g.displayName === name);
  const groupPatches = (remoteId: string) => setup.sp.requests
    .filter((r) => r.method === 'PATCH' && r.path === `/Groups/${remoteId}`)
    .map((r) => r.body as Patch);

  it('does not create an empty group; creates it with its first member', async () => {
    const group = await boundGroup(setup, 'Empty at first');
    await settled(setup);
    assert.equal(spGroup('Empty at first'), undefined);
    const user = await makeUser(setup, [group]);
    await settled(setup);
    const created = spGroup('Empty at first');
    assert.deepEqual(created?.members.map((m) => m.value), [spUser(setup.sp, user.username)!.id]);
    assert.equal((await eventsOf(setup, 'group_create_provision')).at(-1)?.outcome, 'success');
  });

  it('binding a group that already has members pushes the members and the group',
    async () => {
      const group = await ctx.groups.create({ name: 'Bound later' }, SYSTEM);
      const members = [await makeUser(setup, [group.id]), await makeUser(setup, [group.id])];
      await settled(setup);
      assert.ok(members.every((m) => spUser(setup.sp, m.username) === undefined),
        'nothing is sent for a group not bound');
      await ctx.applications.bind(setup.appId, group.id, SYSTEM);
      await settled(setup);
      const ids = members.map((m) => spUser(setup.sp, m.username)?.id);
      assert.ok(ids.every(Boolean), 'each member has an account');
      assert.deepEqual(spGroup('Bound later')?.members.map((m) => m.value).sort(), ids.sort());
    });

  it('takes over a same-named group instead of creating another', async () => {
    const stranger = setup.sp.seedUser({ userName: 'stranger@example.com' });
    const existing = setup.sp.seedGroup({ displayName: 'Design', memberIds: [stranger.id] });
    const group = await boundGroup(setup, 'Design');
    const user = await makeUser(setup, [group]);
    await settled(setup);
    assert.equal(setup.sp.groups().filter((g) => g.displayName === 'Design').length, 1);
    const members = spGroup('Design')!.members.map((m) => m.value);
    assert.deepEqual(members, [spUser(setup.sp, user.username)!.id]);
    assert.equal(spGroup('Design')!.id, existing.id);
  });

  it('renames, and adds or removes only the members that changed', async () => {
    const group = await boundGroup(setup, 'Ops');
    const first = await makeUser(setup, [group]);
    const second = await makeUser(setup, [group]);
    await settled(setup);
    const remote = spGroup('Ops')!;
    const earlier = groupPatches(remote.id).length;
    await ctx.groups.update(group, { name: 'Operations' }, SYSTEM);
    const third = await makeUser(setup, [group]);
    await ctx.groups.removeMember(group, first.id, SYSTEM);
    await settled(setup);
    const renamed = setup.sp.groups().find((g) => g.id === remote.id)!;
    assert.equal(renamed.displayName, 'Operations');
    const ids = (u: { username: string }) => spUser(setup.sp, u.username)!.id;
    assert.deepEqual(renamed.members.map((m) => m.value).sort(), [ids(second), ids(third)].sort());
    const sent = groupPatches(remote.id).slice(earlier).flatMap((p) => p.Operations);
    assert.deepEqual(sent.map((op) => [op.op, op.path, op.value]).sort(), [
      ['add', 'members', [{ value: ids(third) }]],
      ['remove', `members[value eq "${ids(first)}"]`, undefined],
      ['replace', 'displayName', 'Operations'],
    ]);
  });

  it('sends a large group in chunks, never the whole member list at once', async () => {
    const group = await boundGroup(setup, 'Everyone');
    const size = MEMBER_CHUNK * 2 + 30;
    for (let i = 0; i < size; i += 1) await makeUser(setup, [group]);
    await settled(setup);
    const remote = spGroup('Everyone')!;
    assert.equal(remote.members.length, size);
    const create = setup.sp.requests.find((r) => r.method === 'POST' && r.path === '/Groups'
      && (r.body as { displayName: string }).displayName === 'Everyone');
    const sizes = [(create!.body as { members: unknown[] }).members.length,
      ...groupPatches(remote.id).flatMap((p) => p.Operations.map((o) => o.value?.length ?? 1))];
    assert.ok(sizes.every((n) => n <= MEMBER_CHUNK), `chunks of at most ${MEMBER_CHUNK}`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), size);
  });

  it('unbinding leaves the group as it is and keeps users another group covers', async () => {
    const kept = await boundGroup(setup, 'Kept');
    const unbound = await boundGroup(setup, 'Unbound');
    const inBoth = await makeUser(setup, [kept, unbound]);
    const onlyUnbound = await makeUser(setup, [unbound]);
    await settled(setup);
    const before = spGroup('Unbound')!;
    const requestsBefore = setup.sp.requests.length;
    await ctx.applications.unbind(setup.appId, unbound, SYSTEM);
    await settled(setup);
    assert.equal(spUser(setup.sp, inBoth.username)?.active, true);
    assert.equal(spUser(setup.sp, onlyUnbound.username)?.active, false);
    assert.deepEqual(spGroup('Unbound'), before, 'the group is left as it was');
    const later = setup.sp.requests.slice(requestsBefore);
    assert.equal(later.some((r) => r.path.startsWith('/Groups')), false);
    await ctx.groups.addMember(unbound, (await makeUser(setup)).id, SYSTEM);
    await settled(setup);
    assert.deepEqual(spGroup('Unbound'), before, 'no longer synced');
  });

  it('a group deleted in the directory is not deleted in Asana; its members are '
    + 'deactivated unless another group covers them', async () => {
    const other = await boundGroup(setup, 'Other');
    const doomed = await boundGroup(setup, 'Doomed');
    const covered = await makeUser(setup, [other, doomed]);
    const alone = await makeUser(setup, [doomed]);
    await settled(setup);
    await ctx.groups.delete(doomed, SYSTEM);
    await settled(setup);
    assert.ok(spGroup('Doomed'), 'no group deletion in this application');
    assert.equal(setup.sp.requests.some((r) => r.method === 'DELETE'), false);
    assert.equal(spUser(setup.sp, covered.username)?.active, true);
    assert.equal(spUser(setup.sp, alone.username)?.active, false);
  });

  it('disabling group management leaves groups as they are and keeps managing users',
    async () => {
      const group = await boundGroup(setup, 'Frozen');
      await makeUser(setup, [group]);
      await settled(setup);
      const before = spGroup('Frozen')!;
      await setup.api('put', '', { manageGroups: false }).expect(200);
      const newcomer = await makeUser(setup, [group]);
      await ctx.groups.update(group, { name: 'Frozen renamed' }, SYSTEM);
      await settled(setup);
      assert.equal(spUser(setup.sp, newcomer.username)?.active, true, 'users still managed');
      assert.deepEqual(setup.sp.groups().find((g) => g.id === before.id), before);
    });
});

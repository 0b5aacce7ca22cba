import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Change, latestChangeSeq, readChanges } from '../../src/directory/feed.js';
import {
  type AdminClient, adminClient, createGroup, createUser, userInput,
} from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

describe('change feed', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
  });
  after(() => service.dispose());

  /** Runs `act` and returns the feed entries it wrote, oldest first. */
  async function changesOf(act: () => Promise<void>): Promise<Change[]> {
    const since = await latestChangeSeq(service.ctx.db);
    await act();
    return readChanges(service.ctx.db, since, 1000);
  }

  const summary = (changes: Change[]) =>
    changes.map((c) => [c.kind, c.userId, c.groupId]);

  it('records every provisioning-relevant change in order, with the ids', async () => {
    let userId = '';
    let groupId = '';
    const changes = await changesOf(async () => {
      const group = await createGroup(api);
      groupId = group.id;
      const user = await createUser(api, { groupIds: [group.id] });
      userId = user.id;
      await api.patch(`/users/${userId}`).send({ lastName: 'Changed' }).expect(200);
      await api.post(`/users/${userId}/suspend`).expect(200);
      await api.post(`/users/${userId}/activate`).expect(200);
      await api.patch(`/groups/${groupId}`).send({ name: `${group.name} 2` }).expect(200);
      await api.delete(`/groups/${groupId}/members/${userId}`).expect(204);
      await api.put(`/groups/${groupId}/members/${userId}`).expect(204);
      await api.delete(`/users/${userId}`).expect(204);
      await api.delete(`/groups/${groupId}`).expect(204);
    });
    assert.deepEqual(summary(changes), [
      ['group.created', null, groupId],
      ['user.created', userId, null],
      ['membership.added', userId, groupId],
      ['user.updated', userId, null],
      ['user.suspended', userId, null],
      ['user.activated', userId, null],
      ['group.renamed', null, groupId],
      ['membership.removed', userId, groupId],
      ['membership.added', userId, groupId],
      ['user.deleted', userId, null],
      ['group.deleted', null, groupId],
    ]);
    const seqs = changes.map((c) => c.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.deepEqual(changes[3]!.data, { changed: ['last_name'] });
    assert.deepEqual(changes[9]!.data.groupIds, [groupId]);
  });

  it('keeps the members of a deleted group in its entry', async () => {
    const group = await createGroup(api);
    const users = [await createUser(api), await createUser(api)];
    for (const u of users) await api.put(`/groups/${group.id}/members/${u.id}`).expect(204);
    const changes = await changesOf(async () => {
      await api.delete(`/groups/${group.id}`).expect(204);
    });
    assert.deepEqual(summary(changes), [['group.deleted', null, group.id]]);
    assert.deepEqual([...changes[0]!.data.memberIds as string[]].sort(),
      users.map((u) => u.id).sort());
  });

  it('writes nothing for changes no application sees, or for no change', async () => {
    const user = await createUser(api);
    const group = await createGroup(api);
    const changes = await changesOf(async () => {
      await api.put(`/users/${user.id}/password`).send({ password: 'long enough pw' })
        .expect(204);
      await api.patch(`/groups/${group.id}`).send({ description: 'only words' }).expect(200);
      await api.patch(`/users/${user.id}`).send({ email: user.email }).expect(200);
      await api.post(`/users/${user.id}/activate`).expect(200);
    });
    assert.deepEqual(changes, []);
  });

  it('announces each committed change to the in-process listeners', async () => {
    let announced = 0;
    const listener = () => { announced += 1; };
    service.ctx.changes.on('change', listener);
    try {
      const user = await createUser(api);
      await api.post('/users').send(userInput({ username: user.username })).expect(409);
    } finally {
      service.ctx.changes.off('change', listener);
    }
    assert.equal(announced, 1);
  });

  it('reads from a cursor, oldest first, at most the limit', async () => {
    const since = await latestChangeSeq(service.ctx.db);
    await createUser(api);
    await createUser(api);
    await createUser(api);
    const first = await readChanges(service.ctx.db, since, 2);
    const rest = await readChanges(service.ctx.db, first.at(-1)!.seq, 10);
    assert.equal(first.length, 2);
    assert.equal(rest.length, 1);
    assert.ok(first[0]!.seq < first[1]!.seq && first[1]!.seq < rest[0]!.seq);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Group } from '../../src/directory/groups.js';
import type { User } from '../../src/directory/users.js';
import {
  type AdminClient, adminClient, assertError, createGroup, createUser, groupInput,
} from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

describe('admin API: groups and memberships', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
  });
  after(() => service.dispose());

  describe('groups', () => {
    it('creates a group with a name and a description (201)', async () => {
      const res = await api.post('/groups').send({ name: 'Engineering', description: 'R&D' })
        .expect(201);
      assert.equal(res.body.name, 'Engineering');
      assert.equal(res.body.description, 'R&D');
      assert.equal(res.body.memberCount, 0);
    });

    it('refuses a name taken in another letter case with 409', async () => {
      await createGroup(api, { name: 'Sales Team' });
      assertError(await api.post('/groups').send({ name: 'SALES team' }), 409,
        'duplicate_group');
    });

    it('refuses an empty name or an unknown property with 400', async () => {
      assertError(await api.post('/groups').send({ name: '  ' }), 400, 'invalid_request');
      assertError(await api.post('/groups').send(groupInput({ owner: 'x' })), 400,
        'invalid_request');
    });

    it('reads a group, and answers 404 for an unknown id', async () => {
      const group = await createGroup(api);
      assert.equal((await api.get(`/groups/${group.id}`).expect(200)).body.name, group.name);
      assertError(await api.get('/groups/no-such-id'), 404, 'not_found');
    });

    it('renames and describes a group; 409 onto a taken name; 404 unknown', async () => {
      const taken = await createGroup(api);
      const group = await createGroup(api);
      const res = await api.patch(`/groups/${group.id}`)
        .send({ name: `${group.name} renamed`, description: 'new' }).expect(200);
      assert.equal(res.body.name, `${group.name} renamed`);
      assert.equal(res.body.description, 'new');
      assertError(await api.patch(`/groups/${group.id}`)
        .send({ name: taken.name.toLowerCase() }), 409, 'duplicate_group');
      assertError(await api.patch('/groups/no-such-id').send({ name: 'x' }), 404, 'not_found');
    });

    it('lists groups paged, filtered by exact name or by part of it', async () => {
      const made = [await createGroup(api, { name: 'zz Alpha' }),
        await createGroup(api, { name: 'zz Beta' }), await createGroup(api, { name: 'zz Gamma' })];
      const exact = await api.get('/groups?name=ZZ%20BETA').expect(200);
      assert.deepEqual(exact.body.items.map((g: Group) => g.id), [made[1]!.id]);
      const page = await api.get('/groups?q=zz%20&limit=2&offset=1').expect(200);
      assert.equal(page.body.total, 3);
      assert.deepEqual(page.body.items.map((g: Group) => g.name), ['zz Beta', 'zz Gamma']);
      assertError(await api.get('/groups?limit=abc'), 400, 'invalid_request');
    });
  });

  describe('memberships', () => {
    let group: Group;
    let users: User[];
    before(async () => {
      group = await createGroup(api);
      users = [await createUser(api, { username: 'mem-b' }),
        await createUser(api, { username: 'mem-a' })];
    });

    it('adds members (204, idempotent) and lists them paged by username', async () => {
      for (const user of users) {
        await api.put(`/groups/${group.id}/members/${user.id}`).expect(204);
      }
      await api.put(`/groups/${group.id}/members/${users[0]!.id}`).expect(204);
      const res = await api.get(`/groups/${group.id}/members?limit=1`).expect(200);
      assert.equal(res.body.total, 2);
      assert.deepEqual(res.body.items.map((u: User) => u.username), ['mem-a']);
      assert.equal((await api.get(`/groups/${group.id}`)).body.memberCount, 2);
    });

    it('answers 404 for an unknown group or user', async () => {
      assertError(await api.put(`/groups/no-such-id/members/${users[0]!.id}`), 404,
        'not_found');
      assertError(await api.put(`/groups/${group.id}/members/no-such-id`), 404, 'not_found');
      assertError(await api.get('/groups/no-such-id/members'), 404, 'not_found');
    });

    it('removes a member (204); removing a non-member is 404', async () => {
      const user = await createUser(api);
      await api.put(`/groups/${group.id}/members/${user.id}`).expect(204);
      await api.delete(`/groups/${group.id}/members/${user.id}`).expect(204);
      assertError(await api.delete(`/groups/${group.id}/members/${user.id}`), 404,
        'not_found');
      assertError(await api.delete(`/groups/no-such-id/members/${user.id}`), 404,
        'not_found');
    });
  });

  describe('DELETE /groups/:id', () => {
    it('removes the group\'s memberships and keeps the users', async () => {
      const group = await createGroup(api);
      const other = await createGroup(api);
      const user = await createUser(api);
      await api.put(`/groups/${group.id}/members/${user.id}`).expect(204);
      await api.put(`/groups/${other.id}/members/${user.id}`).expect(204);
      await api.delete(`/groups/${group.id}`).expect(204);
      assertError(await api.get(`/groups/${group.id}`), 404, 'not_found');
      const rows = await service.ctx.db.selectFrom('group_members').selectAll()
        .where('group_id', '=', group.id).execute();
      assert.equal(rows.length, 0);
      const left = await api.get(`/users/${user.id}/groups`).expect(200);
      assert.deepEqual(left.body.items.map((g: Group) => g.id), [other.id]);
      assertError(await api.delete(`/groups/${group.id}`), 404, 'not_found');
    });
  });
});

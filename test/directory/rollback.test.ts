import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type AdminClient, adminClient, assertError, createGroup, createUser, userInput,
} from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

describe('multi-step changes are all or nothing', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
  });
  after(() => service.dispose());

  /** Row counts of every table a directory change writes to. */
  async function counts(): Promise<Record<string, number>> {
    const db = service.ctx.db;
    const tables = ['users', 'user_groups', 'group_members', 'events', 'change_feed'] as const;
    const result: Record<string, number> = {};
    for (const table of tables) {
      const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      result[table] = Number(row.n);
    }
    return result;
  }

  it('a user created into an unknown group leaves no user, event, feed entry or membership',
    async () => {
      const group = await createGroup(api);
      const before = await counts();
      const input = userInput({ groupIds: [group.id, 'no-such-group'] });
      const res = await api.post('/users').send(input);
      assertError(res, 400, 'invalid_request');
      assert.deepEqual(res.body.error.details.fields, { 'groupIds.1': 'no such group' });
      assert.deepEqual(await counts(), before);
      const found = await api.get(`/users?username=${input.username}`).expect(200);
      assert.equal(found.body.total, 0);
      // The name is free: nothing of the failed attempt holds it.
      await api.post('/users').send(input).expect(400);
      await api.post('/users').send({ ...input, groupIds: [group.id] }).expect(201);
    });

  it('a rename onto a taken name changes nothing and writes no event or feed entry',
    async () => {
      const taken = await createUser(api);
      const user = await createUser(api);
      const before = await counts();
      assertError(await api.patch(`/users/${user.id}`)
        .send({ username: taken.username, department: 'Moved' }), 409, 'duplicate_user');
      assert.deepEqual(await counts(), before);
      assert.equal((await api.get(`/users/${user.id}`)).body.department, '');
    });

  it('a failure at the last step of a change undoes the rows and the event before it',
    async () => {
      const user = await createUser(api);
      const group = await createGroup(api);
      await api.put(`/groups/${group.id}/members/${user.id}`).expect(204);
      const before = await counts();
      // A trigger makes the last statement of a group deletion, its feed entry, fail:
      // the member rows and the group row are deleted and the event written by then.
      const { sql } = await import('kysely');
      await sql`create trigger refuse_feed before insert on change_feed
        when new.kind = 'group.deleted'
        begin select raise(abort, 'refused by test'); end`.execute(service.ctx.db);
      try {
        const res = await api.delete(`/groups/${group.id}`);
        assertError(res, 500, 'internal_error');
        assert.equal(res.body.error.message, 'Internal error');
      } finally {
        await sql`drop trigger refuse_feed`.execute(service.ctx.db);
      }
      assert.deepEqual(await counts(), before);
      const members = await api.get(`/groups/${group.id}/members`).expect(200);
      assert.deepEqual(members.body.items.map((u: { id: string }) => u.id), [user.id]);
    });
});

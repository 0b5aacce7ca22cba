import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventRecord } from '../../src/insights/events.js';
import { recordEvent } from '../../src/insights/events.js';
import type { KyselyPlugin } from 'kysely';
import {
  type AdminClient, adminClient, assertError, createGroup, createUser,
} from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

type Page = { events: EventRecord[]; nextCursor: number | null };

describe('event log', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
  });
  after(() => service.dispose());

  const events = async (query: string): Promise<Page> =>
    (await api.get(`/events?${query}`).expect(200)).body as Page;

  it('records every directory change made through the API, newest first', async () => {
    const { events: before } = await events('limit=500');
    const user = await createUser(api, { password: 'a secret passphrase' });
    await api.patch(`/users/${user.id}`).send({ jobTitle: 'Lead' }).expect(200);
    await api.post(`/users/${user.id}/suspend`).expect(200);
    await api.post(`/users/${user.id}/activate`).expect(200);
    await api.put(`/users/${user.id}/password`).send({ password: 'another passphrase' })
      .expect(204);
    const group = await createGroup(api);
    await api.patch(`/groups/${group.id}`).send({ name: `${group.name}!` }).expect(200);
    await api.put(`/groups/${group.id}/members/${user.id}`).expect(204);
    await api.delete(`/groups/${group.id}/members/${user.id}`).expect(204);
    await api.delete(`/groups/${group.id}`).expect(204);
    await api.delete(`/users/${user.id}`).expect(204);

    const page = await events('limit=500');
    const added = page.events.slice(0, page.events.length - before.length);
    assert.deepEqual(added.map((e) => e.type).reverse(), [
      'user_create', 'user_update', 'user_suspend', 'user_activate', 'user_password_set',
      'group_create', 'group_update', 'group_member_add', 'group_member_remove',
      'group_delete', 'user_delete',
    ]);
    for (const event of added) {
      assert.equal(event.outcome, 'success');
      assert.equal(event.initiator.type, 'admin');
      assert.equal(event.initiator.name, 'admin');
      assert.ok([user.id, group.id].includes(event.resource.id ?? ''));
      assert.ok(!Number.isNaN(Date.parse(event.time)));
    }
    const membership = added.find((e) => e.type === 'group_member_add')!;
    assert.equal(membership.userId, user.id);
    assert.equal(membership.groupId, group.id);
    const text = JSON.stringify(page);
    assert.ok(!text.includes('passphrase'));
    assert.ok(!text.includes('scrypt$'));
  });

  it('records the first administrator and its key as made by the system', async () => {
    const page = await events('type=admin_create,api_key_create&limit=500');
    const first = page.events.at(-1)!;
    assert.equal(first.type, 'admin_create');
    assert.equal(first.initiator.type, 'system');
  });

  describe('filters', () => {
    let userA: string;
    let userB: string;
    before(async () => {
      userA = (await createUser(api)).id;
      userB = (await createUser(api)).id;
      const group = await createGroup(api);
      await api.put(`/groups/${group.id}/members/${userA}`).expect(204);
      await recordEvent(service.ctx.db, {
        type: 'user_login', initiator: { type: 'user', id: userB, name: 'b' },
        outcome: 'failure', resource: { type: 'user', id: userB }, details: { reason: 'x' },
      });
    });

    it('filters on one or more event types', async () => {
      const one = await events('type=user_create');
      assert.ok(one.events.length >= 2);
      assert.ok(one.events.every((e) => e.type === 'user_create'));
      const two = await events('type=user_create&type=group_create');
      const types = new Set(two.events.map((e) => e.type));
      assert.deepEqual([...types].sort(), ['group_create', 'user_create']);
    });

    it('takes a comma-separated list longer than one type, and checks each type',
      async () => {
        const list = ['user_create', 'group_create', 'group_member_add', 'api_key_create',
          'admin_create'].join(',');
        assert.ok(list.length > 64);
        const page = await events(`type=${list}`);
        const types = new Set(page.events.map((e) => e.type));
        assert.deepEqual([...types].sort(), ['admin_create', 'api_key_create', 'group_create',
          'group_member_add', 'user_create']);
        const long = await api.get(`/events?type=user_create,${'x'.repeat(65)}`).expect(400);
        assert.equal(long.body.error.code, 'invalid_request');
        assert.match(long.body.error.details.fields['type.1'], /each type at most 64/);
        const many = Array.from({ length: 51 }, (_, i) => `t${i}`).join(',');
        await api.get(`/events?type=${many}`).expect(400);
      });

    it('filters on the resource, its type, and the user concerned', async () => {
      const byResource = await events(`resourceId=${userB}`);
      assert.deepEqual(byResource.events.map((e) => e.type), ['user_login', 'user_create']);
      const byUser = await events(`userId=${userA}`);
      assert.deepEqual(byUser.events.map((e) => e.type), ['group_member_add', 'user_create']);
      const groups = await events('resourceType=group');
      assert.ok(groups.events.length > 0);
      assert.ok(groups.events.every((e) => e.resource.type === 'group'));
    });

    it('filters on the outcome', async () => {
      const failures = await events('outcome=failure');
      assert.deepEqual(failures.events.map((e) => [e.type, e.resource.id]),
        [['user_login', userB]]);
      const successes = await events('outcome=success&limit=500');
      assert.ok(successes.events.every((e) => e.outcome === 'success'));
    });

    it('filters on a time range: from inclusive, to exclusive', async () => {
      const ids: string[] = [];
      for (const time of ['2030-01-01T00:00:00.000Z', '2030-01-02T00:00:00.000Z',
        '2030-01-03T00:00:00.000Z']) {
        const id = await recordEvent(service.ctx.db, {
          type: 'clock_fixture', initiator: { type: 'system' }, outcome: 'success',
          resource: { type: 'fixture', id: time },
        });
        await service.ctx.db.updateTable('events').set({ time }).where('id', '=', id).execute();
        ids.push(id);
      }
      const page = await events('from=2030-01-02T00:00:00Z&to=2030-01-03T00:00:00Z');
      assert.deepEqual(page.events.map((e) => e.id), [ids[1]]);
      const later = await events('from=2030-01-01T12:00:00%2B02:00&type=clock_fixture');
      assert.deepEqual(later.events.map((e) => e.id), [ids[2], ids[1]]);
    });

    it('refuses a bad filter value with 400', async () => {
      assertError(await api.get('/events?outcome=maybe'), 400, 'invalid_request');
      assertError(await api.get('/events?from=yesterday'), 400, 'invalid_request');
      assertError(await api.get('/events?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z'),
        400, 'invalid_request');
      assertError(await api.get('/events?cursor=abc'), 400, 'invalid_request');
      assertError(await api.get('/events?limit=0'), 400, 'invalid_request');
    });
  });

  describe('writing events recorded at the same moment', () => {
    /** Counts the inserts into the event log that go through the returned handle. */
    function countingInserts() {
      const counter = { inserts: 0 };
      const plugin: KyselyPlugin = {
        transformQuery(args) {
          if (args.node.kind === 'InsertQueryNode') counter.inserts += 1;
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      return { db: service.ctx.db.withPlugin(plugin), counter };
    }
    const sameMoment = (type: string, n: number) => Array.from({ length: n }, (_, i) => ({
      type, initiator: { type: 'system' as const }, outcome: 'success' as const,
      resource: { type: 'test', id: String(i) },
    }));

    it('stores all of them, in the order recorded, with few inserts', async () => {
      const { db, counter } = countingInserts();
      const recorded = sameMoment('group_commit_fixture', 250);
      const ids = await Promise.all(recorded.map((event) => recordEvent(db, event)));
      assert.equal(new Set(ids).size, 250);
      const page = await events('type=group_commit_fixture&limit=300');
      assert.deepEqual(page.events.map((e) => e.id).reverse(), ids);
      assert.deepEqual(page.events.map((e) => e.resource.id).reverse(),
        recorded.map((e) => e.resource.id));
      assert.equal(counter.inserts, 2, 'groups of at most 200 rows');
    });

    it('fails only the event that cannot be stored, not its neighbours', async () => {
      const [first, second] = sameMoment('group_commit_neighbour', 2);
      const broken = { ...first!, type: null as unknown as string };
      const results = await Promise.allSettled([first!, broken, second!]
        .map((event) => recordEvent(service.ctx.db, event)));
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      const page = await events('type=group_commit_neighbour&limit=10');
      assert.equal(page.events.length, 2);
    });
  });

  it('pages newest first with a cursor, without repeating or skipping', async () => {
    const all = (await events('limit=500')).events.map((e) => e.id);
    const seen: string[] = [];
    let cursor: number | null = null;
    do {
      const page: Page = await events(`limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.events.length <= 4);
      seen.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, all);
    assert.ok(all.length > 8);
  });
});

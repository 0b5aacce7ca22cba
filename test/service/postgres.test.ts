import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { appendChange, readChanges } from '../../src/directory/feed.js';
import { FailureCounter } from '../../src/directory/login-failures.js';
import { SYSTEM } from '../../src/insights/events.js';
import { DatabaseSessionStore } from '../../src/http/session.js';
import { isUniqueViolation } from '../../src/store/db.js';
import {
  type AdminClient, adminClient, assertError, createGroup, createUser, userInput,
} from '../support/admin-api.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startTestService, type TestService } from '../support/service.js';

/** A users row as written directly, with the lower-case forms the service keeps. */
function rawUser(id: string, username: string, email: string) {
  return {
    id, username, username_lc: username.toLowerCase(), email, email_lc: email.toLowerCase(),
    first_name: '', last_name: '', display_name: '', first_name_lc: '', last_name_lc: '',
    display_name_lc: '', job_title: '', department: '', preferred_language: '',
    status: 'active' as const, password_hash: null, created_at: '', updated_at: '',
  };
}

/** Waits until some PostgreSQL session is blocked on a lock another one holds. */
async function lockWaitSeen(service: TestService): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from pg_locks
      where not granted`.execute(service.ctx.db);
    if (Number(rows[0]!.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the same service on PostgreSQL', () => {
  let postgres: TestPostgres;
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    postgres = await startPostgres();
    service = await startTestService({ DATABASE_URL: postgres.url });
    api = adminClient(service);
  });
  after(async () => {
    await service?.dispose();
    await postgres?.stop();
  });

  it('runs the migrations on PostgreSQL', async () => {
    assert.equal(service.ctx.database.dialect, 'postgres');
    const { rows } = await sql<{ name: string }>`select table_name as name
      from information_schema.tables where table_schema = 'public'`.execute(service.ctx.db);
    const tables = rows.map((r) => r.name);
    for (const table of ['users', 'user_groups', 'group_members', 'events', 'change_feed',
      'applications', 'app_group_bindings', 'sessions', 'login_failures',
      'kysely_migration']) {
      assert.ok(tables.includes(table), `${table} missing`);
    }
  });

  it('counts sign-in failures in one window and forgets them', async () => {
    const counter = new FailureCounter(service.ctx.db, { failures: 3, windowSeconds: 60 });
    for (let i = 0; i < 3; i += 1) {
      assert.equal(await counter.isLocked('user:pg'), false);
      await counter.countFailure('user:pg');
    }
    assert.equal(await counter.isLocked('user:pg'), true);
    await counter.forget('user:pg');
    assert.equal(await counter.isLocked('user:pg'), false);
  });

  it('ends the sessions of one user only', async () => {
    const user = await createUser(api, { username: 'sessions-on-postgres' });
    const store = new DatabaseSessionStore(service.ctx.db);
    const save = (sid: string, userId?: string) => new Promise<void>((resolve, reject) =>
      store.set(sid, { cookie: { expires: new Date(Date.now() + 60_000) }, userId } as never,
        (error) => (error ? reject(error) : resolve())));
    await save('pg-own', user.id);
    await save('pg-other', 'someone-else');
    await api.put(`/users/${user.id}/password`).send({ password: 'a-new-secret' })
      .expect(204);
    const left = await service.ctx.db.selectFrom('sessions').select('sid')
      .where('sid', 'in', ['pg-own', 'pg-other']).execute();
    assert.deepEqual(left.map((r) => r.sid), ['pg-other']);
  });

  it('creates, finds, pages and refuses duplicates in any letter case', async () => {
    await createUser(api, { username: 'pg_one', firstName: 'Edsger' });
    await createUser(api, { username: 'pg-two', lastName: 'Dijkstra' });
    await createUser(api, { username: 'pgxthree' });
    assertError(await api.post('/users').send(userInput({ username: 'PG_ONE' })), 409,
      'duplicate_user');
    const wildcard = await api.get('/users?q=pg_').expect(200);
    assert.deepEqual(wildcard.body.items.map((u: { username: string }) => u.username),
      ['pg_one']);
    const byName = await api.get('/users?name=DIJK').expect(200);
    assert.equal(byName.body.items[0].username, 'pg-two');
    const page = await api.get('/users?q=pg&limit=2&offset=2').expect(200);
    assert.equal(page.body.total, 3);
    assert.equal(typeof page.body.total, 'number');
    assert.deepEqual(page.body.items.map((u: { username: string }) => u.username),
      ['pgxthree']);
  });

  it('reports a unique violation from PostgreSQL as one', async () => {
    const user = await createUser(api);
    const insert = service.ctx.db.insertInto('users').values({
      id: 'raw-duplicate', username: 'x', username_lc: user.username.toLowerCase(),
      email: 'x@example.com', email_lc: 'x@example.com', first_name: '', last_name: '',
      display_name: '', first_name_lc: '', last_name_lc: '', display_name_lc: '',
      job_title: '', department: '', preferred_language: '',
      status: 'active', password_hash: null, created_at: '', updated_at: '',
    }).execute();
    await assert.rejects(insert, (error) => isUniqueViolation(error));
  });

  it('finds and refuses non-ASCII names in any letter case', async () => {
    const user = await createUser(api, { username: 'pg_elodie', firstName: 'Élodie',
      lastName: 'Ångström' });
    for (const q of ['ÉLODIE', 'ångs']) {
      const found = await api.get(`/users?q=${encodeURIComponent(q)}`).expect(200);
      assert.deepEqual(found.body.items.map((u: { id: string }) => u.id), [user.id], q);
    }
    await createGroup(api, { name: 'Ärzte Nord' });
    assertError(await api.post('/groups').send({ name: 'ÄRZTE NORD' }), 409, 'duplicate_group');
  });

  for (const field of ['username', 'email'] as const) {
    it(`answers 409 naming the ${field} when a concurrent create wins the race`, async () => {
      const taken = userInput();
      let release = () => {};
      const mayCommit = new Promise<void>((resolve) => { release = resolve; });
      let inserted = () => {};
      const hasInserted = new Promise<void>((resolve) => { inserted = resolve; });
      // Another writer has inserted, not yet committed: the API's own check cannot see
      // the row, so only the unique index stops the second insert.
      const other = service.ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(rawUser(`race-${field}`, String(taken.username),
          String(taken.email))).execute();
        inserted();
        await mayCommit;
      });
      await hasInserted;
      const body = field === 'username'
        ? { username: taken.username, email: `other-${field}@example.com` }
        : { username: `other_${field}`, email: taken.email };
      const answer = api.post('/users').send(body).then((res) => res);
      await lockWaitSeen(service);
      release();
      await other;
      const res = await answer;
      assertError(res, 409, 'duplicate_user');
      assert.deepEqual(Object.keys(res.body.error.details.fields), [field]);
    });
  }

  it('keeps memberships, removes them with the group, and feeds the changes in order',
    async () => {
      const [{ seq: since } = { seq: 0 }] = await service.ctx.db.selectFrom('change_feed')
        .select('seq').orderBy('seq', 'desc').limit(1).execute();
      const group = await createGroup(api);
      const user = await createUser(api, { groupIds: [group.id] });
      assert.equal((await api.get(`/groups/${group.id}`)).body.memberCount, 1);
      await api.post(`/users/${user.id}/suspend`).expect(200);
      await api.delete(`/groups/${group.id}`).expect(204);
      const rows = await service.ctx.db.selectFrom('group_members').selectAll()
        .where('group_id', '=', group.id).execute();
      assert.equal(rows.length, 0);
      const changes = await readChanges(service.ctx.db, Number(since), 100);
      assert.deepEqual(changes.map((c) => c.kind), ['group.created', 'user.created',
        'membership.added', 'user.suspended', 'group.deleted']);
    });

  it('lets feed writers commit in sequence order, so a reader\'s cursor skips nothing',
    async () => {
      const db = service.ctx.db;
      const [{ seq: since } = { seq: 0 }] = await db.selectFrom('change_feed').select('seq')
        .orderBy('seq', 'desc').limit(1).execute();
      let releaseFirst = () => {};
      const firstMayCommit = new Promise<void>((resolve) => { releaseFirst = resolve; });
      let firstWrote = () => {};
      const firstHasWritten = new Promise<void>((resolve) => { firstWrote = resolve; });
      const first = db.transaction().execute(async (trx) => {
        await appendChange(trx, 'user.updated', { userId: 'first' });
        firstWrote();
        await firstMayCommit;
      });
      await firstHasWritten;
      // The first writer commits a little later; the second must wait for it rather
      // than commit a higher number first.
      setTimeout(releaseFirst, 300);
      await db.transaction().execute((trx) =>
        appendChange(trx, 'user.updated', { userId: 'second' }));
      const seen = await readChanges(db, Number(since), 10);
      await first;
      assert.deepEqual(seen.map((c) => c.userId), ['first', 'second']);
    });

  it('rolls a failed multi-step change back entirely', async () => {
    const count = async (table: 'users' | 'events' | 'change_feed') => Number((await
    service.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()).n);
    const group = await createGroup(api);
    const before = [await count('users'), await count('events'), await count('change_feed')];
    assertError(await api.post('/users').send(userInput({ groupIds: [group.id, 'missing'] })),
      400, 'invalid_request');
    assert.deepEqual([await count('users'), await count('events'), await count('change_feed')],
      before);
  });

  it('queries the event log with filters and a cursor', async () => {
    const user = await createUser(api);
    await api.patch(`/users/${user.id}`).send({ department: 'Ops' }).expect(200);
    const mine = await api.get(`/events?resourceId=${user.id}`).expect(200);
    assert.deepEqual(mine.body.events.map((e: { type: string }) => e.type),
      ['user_update', 'user_create']);
    const first = await api.get('/events?limit=2&outcome=success').expect(200);
    const next = await api.get(`/events?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    const ids = [...first.body.events, ...next.body.events].map((e: { id: string }) => e.id);
    const all = await api.get('/events?limit=4').expect(200);
    assert.deepEqual(ids, all.body.events.map((e: { id: string }) => e.id));
  });

  it('binds applications to groups and stores browser sessions', async () => {
    const { applications, groups, users } = service.ctx;
    const app = await applications.create('custom-saml', { customValue: 'pg-app' }, SYSTEM);
    assert.equal(app.showInPortal, true);
    const group = await groups.create({ name: 'pg app users' }, SYSTEM);
    const user = await users.create({ username: 'pg-app-user', email: 'pgapp@example.com' },
      SYSTEM, [group.id]);
    await applications.bind(app.id, group.id, SYSTEM);
    assert.equal(await applications.isBound(app.id, user.id), true);
    assert.deepEqual((await applications.applicationsOfUser(user.id)).map((a) => a.id),
      [app.id]);
    assert.deepEqual((await applications.list('PG-A')).map((a) => a.id), [app.id]);
    await assert.rejects(applications.create('custom-saml', { customValue: 'pg-app' }, SYSTEM),
      { code: 'duplicate_custom_value' });

    const store = new DatabaseSessionStore(service.ctx.db);
    const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) };
    const call = <T>(fn: (done: (err?: unknown, value?: T) => void) => void) =>
      new Promise<T | undefined>((resolve, reject) =>
        fn((err, value) => (err ? reject(err) : resolve(value))));
    await call((done) => store.set('sid-1', { cookie, userId: 'u1' } as never, done));
    await call((done) => store.set('sid-1', { cookie, userId: 'u2' } as never, done));
    const read = await call<{ userId?: string }>((done) => store.get('sid-1', done as never));
    assert.equal(read?.userId, 'u2');
  });

  it('keeps data and skips the first start when restarted on the same database', async () => {
    const user = await createUser(api);
    service = await service.restart();
    api = adminClient(service);
    assert.equal(service.firstStart, null);
    assert.equal((await api.get(`/users/${user.id}`).expect(200)).body.email, user.email);
  });
});

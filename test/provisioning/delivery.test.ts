import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import request from 'supertest';
import { SYSTEM } from '../../src/insights/events.js';
import { startServiceProcess } from '../support/service-process.js';
import { startTestService } from '../support/service.js';
import {
  activate, boundGroup, eventsOf, FAST_RETRIES, makeUser, type Setup, settled, setUp, spUser,
  waitFor,
} from './support.js';

async function withSetup(options: Parameters<typeof setUp>[0],
  run: (setup: Setup) => Promise<void>): Promise<void> {
  const setup = await setUp(options);
  try {
    await run(setup);
  } finally {
    await setup.dispose();
  }
}

const ourAccounts = (setup: Setup) =>
  setup.sp.users().filter((u) => u.userName.endsWith('@example.com'));

describe('delivery', () => {
  it('a crash (SIGKILL of the service process) in the middle of a 500-user sync: the '
    + 'next start resumes and ends with the directory state, no duplicate', () =>
    withSetup({ sp: { requestsPerMinute: 12_000 },
      quota: { requestsPerMinute: 12_000, concurrentReads: 5, concurrentWrites: 5 } },
    async (setup) => {
      const group = await boundGroup(setup);
      for (let i = 0; i < 500; i += 1) await makeUser(setup, [group]);
      const { dataDir, apiKey, adminPassword } = setup.service;
      await setup.service.stop();
      const child = await startServiceProcess({ PORT: '0', HOST: '127.0.0.1',
        DATA_DIR: dataDir, CERTS_DIR: join(dataDir, 'certs'), PASSWORD_HASH_COST: '10',
        LOG_LEVEL: 'warn', ...FAST_RETRIES });
      try {
        await request(child.url)
          .post(`/api/v1/applications/${setup.appId}/identity-management/activate`)
          .set('x-api-key', apiKey).expect(200);
        await waitFor('a part of the sync', () => ourAccounts(setup).length >= 100);
      } finally {
        await child.kill();
      }
      assert.ok(ourAccounts(setup).length < 500, 'killed before the sync was done');
      setup.service = await startTestService(FAST_RETRIES, { dataDir, apiKey, adminPassword });
      assert.match(setup.service.log.text, /operations interrupted by a stop queued again/);
      await settled(setup);
      const accounts = ourAccounts(setup);
      assert.equal(accounts.length, 500);
      assert.equal(new Set(accounts.map((a) => a.userName.toLowerCase())).size, 500);
      assert.ok(accounts.every((a) => a.active));
      const creates = setup.sp.requests.filter((r) => r.method === 'POST' && r.status === 201);
      assert.equal(creates.length, 500, 'each account created once');
      const links = await setup.service.ctx.db.selectFrom('idm_users').selectAll()
        .where('application_id', '=', setup.appId).execute();
      assert.deepEqual(new Set(links.map((l) => l.state)), new Set(['provisioned']));
      const byName = new Map(accounts.map((a) => [a.userName, a.id]));
      assert.ok(links.every((l) => byName.get(l.user_name) === l.remote_id));
      assert.equal(setup.sp.stats().throttled, 0);
    }));

  it('rides out a 429 storm without losing a change, waiting each Retry-After (seconds)',
    () => withSetup({ sp: { requestsPerMinute: 1200 },
      quota: { requestsPerMinute: 1200, concurrentReads: 1, concurrentWrites: 1 } },
    async (setup) => {
      const group = await boundGroup(setup);
      const users = [];
      for (let i = 0; i < 6; i += 1) users.push(await makeUser(setup, [group]));
      await activate(setup);
      await settled(setup);
      const start = setup.sp.requests.length;
      setup.sp.faults.failNext(3, 429, '2');
      for (const user of users) {
        await setup.service.ctx.users.update(user.id, { jobTitle: 'Storm chaser' }, SYSTEM);
      }
      await settled(setup);
      assert.ok(users.every((u) => spUser(setup.sp, u.username)?.title === 'Storm chaser'));
      // One request at a time: whatever follows a 429 was sent after its answer, so no
      // request may arrive before the Retry-After has passed.
      const sent = setup.sp.requests.slice(start);
      const refusals = sent.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 429);
      assert.equal(refusals.length, 3);
      for (const { r, i } of refusals) {
        assert.ok(sent[i + 1]!.at - r.at >= 2_000,
          `the next request came ${sent[i + 1]!.at - r.at} ms after a Retry-After of 2 s`);
      }
      assert.equal(setup.sp.stats().throttled, 0, 'no 429 caused by exceeding the quota');
      const refused = (await eventsOf(setup, 'user_update_provision'))
        .filter((e) => JSON.parse(e.details).status === 429);
      assert.equal(refused.length, 3);
    }));

  it('waits until the HTTP date a Retry-After gives', () =>
    withSetup({ quota: { requestsPerMinute: 60_000, concurrentReads: 1, concurrentWrites: 1 } },
      async (setup) => {
        const group = await boundGroup(setup);
        const user = await makeUser(setup, [group]);
        await activate(setup);
        await settled(setup);
        const start = setup.sp.requests.length;
        const until = new Date(Date.now() + 3_000).toUTCString();
        setup.sp.faults.failNext(1, 429, until);
        await setup.service.ctx.users.update(user.id, { jobTitle: 'Patient' }, SYSTEM);
        await settled(setup);
        assert.equal(spUser(setup.sp, user.username)?.title, 'Patient');
        const [refused, retried] = setup.sp.requests.slice(start);
        assert.equal(refused!.status, 429);
        assert.ok(retried!.at >= Date.parse(until),
          `retried at ${new Date(retried!.at).toISOString()}, before ${until}`);
      }));

  it('gives up on an application that throttles without end, with a failure event', () =>
    withSetup({}, async (setup) => {
      const group = await boundGroup(setup);
      const user = await makeUser(setup, [group]);
      await activate(setup);
      await settled(setup);
      // Retry-After 0: each refusal may be retried at once, so the bound comes quickly.
      setup.sp.faults.failNext(10_000, 429, '0');
      await setup.service.ctx.users.update(user.id, { jobTitle: 'Throttled' }, SYSTEM);
      const [failed] = await waitFor('a parked operation', async () => {
        const res = await setup.api('get', '/operations?status=failed').expect(200);
        return res.body.items.length > 0 ? res.body.items : false;
      });
      assert.match(failed.lastError, /answered 429 \(too many requests\) 20 times; gave up/);
      const refusals = setup.sp.requests.filter((r) => r.status === 429).length;
      assert.equal(refusals, 20, 'nothing more is sent once given up');
      const gaveUp = (await eventsOf(setup, 'user_update_provision'))
        .filter((e) => JSON.parse(e.details).gaveUp);
      assert.equal(gaveUp.length, 1);
      assert.equal(gaveUp[0]!.outcome, 'failure');
      assert.equal(gaveUp[0]!.user_id, user.id);
      setup.sp.faults.failNext(0, 429);
      await setup.api('post', `/operations/${failed.id}/retry`).expect(202);
      await settled(setup);
      assert.equal(spUser(setup.sp, user.username)?.title, 'Throttled');
    }));

  it('a change applied by the application whose answer was lost is retried safely', () =>
    withSetup({ manageGroups: true }, async (setup) => {
      const group = await boundGroup(setup, 'Lost answers');
      const first = await makeUser(setup, [group]);
      setup.sp.faults.dropAfterNext(1, 'POST');
      await activate(setup);
      await settled(setup);
      const lostCreate = setup.sp.requests.find((r) => r.handled);
      assert.equal(lostCreate?.method, 'POST', 'a create was applied and its answer lost');
      const account = spUser(setup.sp, first.username)!;
      assert.equal(setup.sp.users().filter((u) => u.userName === first.username).length, 1);
      const link = await setup.service.ctx.db.selectFrom('idm_users').selectAll()
        .where('user_id', '=', first.id).executeTakeFirstOrThrow();
      assert.deepEqual([link.remote_id, link.state], [account.id, 'provisioned']);

      setup.sp.faults.dropAfterNext(1, 'PATCH');
      const second = await makeUser(setup, [group]);
      await settled(setup);
      const remote = setup.sp.groups().find((g) => g.displayName === 'Lost answers')!;
      const ids = [account.id, spUser(setup.sp, second.username)!.id];
      assert.deepEqual(remote.members.map((m) => m.value).sort(), ids.sort());
      const adds = setup.sp.requests.filter((r) => r.method === 'PATCH'
        && r.path === `/Groups/${remote.id}`);
      assert.deepEqual(adds.map((r) => r.handled ?? false), [true, false], 'sent again');

      setup.sp.faults.dropAfterNext(1, 'PATCH');
      await setup.service.ctx.users.setStatus(first.id, 'suspended', SYSTEM);
      await settled(setup);
      assert.equal(spUser(setup.sp, first.username)?.active, false);
      const deactivations = setup.sp.requests.filter((r) => r.method === 'PATCH'
        && r.path === `/Users/${account.id}`);
      assert.deepEqual(deactivations.map((r) => r.handled ?? false), [true, false]);
    }));

  it('never runs more requests at once than the caps allow', () =>
    withSetup({ sp: { concurrentReads: 2, concurrentWrites: 2 },
      quota: { requestsPerMinute: 60_000, concurrentReads: 2, concurrentWrites: 2 } },
    async (setup) => {
      const group = await boundGroup(setup);
      for (let i = 0; i < 30; i += 1) await makeUser(setup, [group]);
      setup.sp.faults.slowNext(40, 20);
      await activate(setup);
      await settled(setup);
      assert.equal(ourAccounts(setup).length, 30);
      const stats = setup.sp.stats();
      assert.equal(stats.throttled, 0);
      assert.ok(stats.maxConcurrentWrites <= 2 && stats.maxConcurrentReads <= 2);
      assert.ok(stats.maxConcurrentWrites === 2, 'the caps are used');
    }));

  it('retries 5xx answers and dropped connections, creating each account once', () =>
    withSetup({}, async (setup) => {
      const group = await boundGroup(setup);
      await activate(setup);
      await settled(setup);
      setup.sp.faults.failNext(2, 503);
      const first = await makeUser(setup, [group]);
      await settled(setup);
      setup.sp.faults.dropNext(2);
      const second = await makeUser(setup, [group]);
      await settled(setup);
      for (const user of [first, second]) {
        assert.equal(setup.sp.users().filter((u) => u.userName === user.username).length, 1);
      }
      const failures = (await eventsOf(setup, 'user_lookup_provision'))
        .filter((e) => e.outcome === 'failure').map((e) => JSON.parse(e.details).status);
      assert.deepEqual(failures.sort(), [503, 503, null, null].sort());
    }));

  it('parks an operation as failed after bounded attempts; a retry delivers it', () =>
    withSetup({}, async (setup) => {
      const group = await boundGroup(setup);
      await activate(setup);
      await settled(setup);
      setup.sp.faults.failNext(4, 500);
      const user = await makeUser(setup, [group]);
      const failed = await waitFor('a parked operation', async () => {
        const res = await setup.api('get', '/operations').expect(200);
        return res.body.items.length > 0 ? res.body.items : false;
      });
      assert.equal(failed[0].attempts, 4);
      assert.match(failed[0].lastError, /HTTP 500/);
      const state = await setup.api('get', '/users?state=failed').expect(200);
      assert.equal(state.body.items[0].userId, user.id);
      await setup.api('post', `/operations/${failed[0].id}/retry`).expect(202);
      await settled(setup);
      assert.equal(spUser(setup.sp, user.username)?.active, true);
      const after = await setup.api('get', '/operations').expect(200);
      assert.deepEqual(after.body.items, []);
      await setup.api('post', `/operations/${failed[0].id}/retry`).expect(404);
    }));

  it('reads a server that ignores the page size, adopting instead of looking up', () =>
    withSetup({ sp: { ignorePageSize: true, pageSize: 7 } }, async (setup) => {
      const group = await boundGroup(setup);
      for (let i = 0; i < 30; i += 1) {
        const user = await makeUser(setup, [group]);
        setup.sp.seedUser({ userName: user.username.toUpperCase(), active: true });
      }
      const before = setup.sp.requests.length;
      await activate(setup);
      await settled(setup);
      const sent = setup.sp.requests.slice(before);
      assert.equal(sent.filter((r) => r.method === 'POST').length, 0);
      assert.equal(sent.filter((r) => r.query.includes('filter')).length, 0);
      const links = await setup.service.ctx.db.selectFrom('idm_users').select('remote_id')
        .where('application_id', '=', setup.appId).where('remote_id', 'is not', null).execute();
      assert.equal(links.length, 30);
    }));

  it('a first sync sends at most 1.05 requests per user', () =>
    withSetup({ manageGroups: true }, async (setup) => {
      const groups = [];
      for (let g = 0; g < 4; g += 1) groups.push(await boundGroup(setup));
      for (let i = 0; i < 200; i += 1) await makeUser(setup, [groups[i % 4]!]);
      const before = setup.sp.requests.length;
      await activate(setup);
      await settled(setup);
      const sent = setup.sp.requests.length - before;
      assert.equal(ourAccounts(setup).length, 200);
      assert.equal(setup.sp.groups().reduce((n, g) => n + g.members.length, 0), 200);
      const tally: Record<string, number> = {};
      for (const r of setup.sp.requests.slice(before)) {
        const kind = `${r.method} ${r.path.split('/')[1]}`;
        tally[kind] = (tally[kind] ?? 0) + 1;
      }
      assert.ok(sent / 200 <= 1.05, `${sent} requests for 200 users: ${JSON.stringify(tally)}`);
    }));
});

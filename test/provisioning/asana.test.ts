import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { MEMBER_CHUNK } from '../../src/provisioning/group-sync.js';
import request from 'supertest';
import { startTestService, type TestService } from '../support/service.js';
import {
  activate, boundGroup, makeUser, type Setup, settled, setUp, spUser, waitFor,
} from './support.js';

/* What the Asana connector documents, checked against the product. */

type Patch = { Operations: { op: string; path: string; value?: unknown[] }[] };

describe('Asana connector settings', () => {
  let service: TestService;
  let api: (method: 'get' | 'put', body?: object) => request.Test;
  before(async () => {
    service = await startTestService();
    const app = await service.ctx.applications.create('asana', {}, SYSTEM);
    api = (method, body) => {
      const test = request(service.url)[method](
        `/api/v1/applications/${app.id}/identity-management`).set('x-api-key', service.apiKey);
      return body ? test.send(body) : test;
    };
  });
  after(() => service.dispose());

  it('uses Asana\'s SCIM base URL unless another is given', async () => {
    const fresh = await api('get').expect(200);
    assert.equal(fresh.body.baseUrl, 'https://app.asana.com/api/1.0/scim');
    assert.equal(fresh.body.status, 'unconfigured');
    const configured = await api('put', { token: 'asana-service-account-key' }).expect(200);
    assert.equal(configured.body.baseUrl, 'https://app.asana.com/api/1.0/scim');
    assert.equal(configured.body.status, 'inactive');
  });

  it('starts on the Free profile and offers Premium, 50 reads and 15 writes at once',
    async () => {
      const free = await api('get').expect(200);
      assert.deepEqual([free.body.rateProfile, free.body.requestsPerMinute,
        free.body.concurrentReads, free.body.concurrentWrites], ['asana-free', 150, 50, 15]);
      const premium = await api('put', { rateProfile: 'asana-premium' }).expect(200);
      assert.deepEqual([premium.body.rateProfile, premium.body.requestsPerMinute,
        premium.body.concurrentReads, premium.body.concurrentWrites],
      ['asana-premium', 1500, 50, 15]);
    });
});

describe('an Asana-like application', () => {
  let setup: Setup;
  before(async () => {
    setup = await setUp({ manageGroups: true });
  });
  after(() => setup.dispose());

  it('syncs a group of more than 1,000 members in chunks, adding and removing', async () => {
    const group = await boundGroup(setup, 'Company');
    const users = [];
    for (let i = 0; i < 1_050; i += 1) users.push(await makeUser(setup, [group]));
    await activate(setup);
    await settled(setup);
    const remote = setup.sp.groups().find((g) => g.displayName === 'Company')!;
    assert.equal(remote.members.length, 1_050);
    const leaving = users.slice(0, 150);
    for (const user of leaving) {
      await setup.service.ctx.groups.removeMember(group, user.id, SYSTEM);
    }
    await settled(setup);
    const after = setup.sp.groups().find((g) => g.id === remote.id)!;
    assert.equal(after.members.length, 900);
    const gone = new Set(leaving.map((u) => spUser(setup.sp, u.username)!.id));
    assert.ok(after.members.every((m) => !gone.has(m.value)));
    const patches = setup.sp.requests.filter((r) => r.method === 'PATCH'
      && r.path === `/Groups/${remote.id}`).map((r) => r.body as Patch);
    const changes = patches.map((p) => p.Operations.reduce((n, o) =>
      n + (o.op === 'add' ? o.value!.length : 1), 0));
    assert.ok(changes.every((n) => n <= MEMBER_CHUNK), `at most ${MEMBER_CHUNK} a request`);
    const removes = patches.flatMap((p) => p.Operations).filter((o) => o.op === 'remove');
    assert.equal(removes.length, 150);
    // Each remove names one member by a filter: a remove of "members" alone would empty
    // the group (RFC 7644, section 3.5.2.2).
    assert.ok(removes.every((o) => /^members\[value eq "[^"]+"\]$/.test(o.path)));
  });

});

describe('account states', () => {
  let setup: Setup;
  before(async () => {
    setup = await setUp();
    await activate(setup);
    await settled(setup);
  });
  after(() => setup.dispose());

  it('shows a user as pending while the account is on its way', async () => {
    const group = await boundGroup(setup, 'Newcomers');
    setup.sp.faults.slowNext(1, 1_500);
    const user = await makeUser(setup, [group]);
    await waitFor('the call held by the application', () =>
      setup.sp.requests.some((r) => r.status === 0));
    const res = await setup.api('get', '/users?state=pending').expect(200);
    const row = res.body.items.find((u: { userId: string }) => u.userId === user.id);
    assert.deepEqual([row?.state, row?.queued], ['pending', true]);
    await settled(setup);
    const done = await setup.api('get', '/users?state=provisioned').expect(200);
    assert.deepEqual(done.body.items.map((u: { userId: string }) => u.userId), [user.id]);
  });
});

describe('taking over existing accounts on activation', () => {
  let setup: Setup;
  before(async () => {
    setup = await setUp();
  });
  after(() => setup.dispose());

  it('adopts the accounts Asana returns and never touches a guest of the same name',
    async () => {
      const group = await boundGroup(setup);
      const member = await makeUser(setup, [group], { jobTitle: 'Member' });
      const visitor = await makeUser(setup, [group], { jobTitle: 'Visitor' });
      const existing = setup.sp.seedUser({ userName: member.username, active: true });
      const guest = setup.sp.seedUser({ userName: visitor.username, guest: true,
        active: true, title: 'Guest title' });
      await activate(setup);
      await settled(setup);
      assert.equal(spUser(setup.sp, member.username)?.id, existing.id);
      assert.equal(spUser(setup.sp, member.username)?.title, 'Member');
      const after = setup.sp.users().find((u) => u.id === guest.id)!;
      assert.deepEqual(after, guest, 'the guest is as it was');
      assert.equal(setup.sp.requests.some((r) => r.path === `/Users/${guest.id}`), false);
      const failed = await setup.api('get', '/users?state=failed').expect(200);
      assert.deepEqual(failed.body.items.map((u: { userId: string }) => u.userId),
        [visitor.id]);
      assert.match(failed.body.items[0].error, /guest/);
    });
});

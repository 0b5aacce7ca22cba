import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';
import { api, appUser, appWithActiveIdm, directoryUsernames, seedNewUsers } from
  './support.js';

interface Candidate { id: string; userName: string; status: string;
  directoryUserId: string | null }
interface Result { userName: string | null; outcome: string; reason: string | null;
  userId: string | null }

describe('import from an application: listing and small imports', () => {
  let service: TestService;
  let sp: ScimSp;
  let appId: string;
  let carolId: string;

  before(async () => {
    service = await startTestService();
    sp = await startScimSp();
    appId = (await appWithActiveIdm(service, sp)).id;
    // One user in every state the application can hold.
    seedNewUsers(sp, 17);
    sp.seedUser(appUser('carol.jones@example.com'));
    sp.seedUser(appUser('sam.suspended@example.com', { active: false }));
    sp.seedUser(appUser('gil.guest@example.com', { guest: true }));
    carolId = (await service.ctx.users.create({ username: 'Carol.Jones@Example.COM',
      email: 'CAROL.JONES@example.com' }, SYSTEM)).id;
  });
  after(async () => {
    await service.dispose();
    await sp.stop();
  });

  it('marks each user New or Imported and never offers suspended users or guests', async () => {
    const res = await api(service).get(`/applications/${appId}/import/users`).expect(200);
    const items = res.body.items as Candidate[];
    const byName = new Map(items.map((c) => [c.userName, c]));
    assert.equal(items.length, 18);
    assert.equal(byName.get('new.0@example.com')?.status, 'new');
    assert.equal(byName.get('carol.jones@example.com')?.status, 'imported');
    assert.equal(byName.get('carol.jones@example.com')?.directoryUserId, carolId);
    assert.equal(byName.has('sam.suspended@example.com'), false);
    assert.equal(byName.has('gil.guest@example.com'), false);
    assert.deepEqual(res.body.counts, { new: 17, imported: 1, suspendedNotOffered: 1 });
  });

  it('with the new-users-only filter lists the New ones alone', async () => {
    const res = await api(service).get(`/applications/${appId}/import/users?newOnly=true`)
      .expect(200);
    const statuses = new Set((res.body.items as Candidate[]).map((c) => c.status));
    assert.equal(res.body.items.length, 17);
    assert.deepEqual([...statuses], ['new']);
  });

  it('imports 20 selected users in the same request, each with its outcome', async () => {
    const selection = [...Array.from({ length: 17 }, (_, i) => `new.${i}@example.com`),
      'carol.jones@example.com', 'sam.suspended@example.com', 'gil.guest@example.com'];
    const res = await api(service).post(`/applications/${appId}/import`,
      { userNames: selection }).expect(200);
    assert.equal(res.body.mode, 'immediate');
    assert.deepEqual(res.body.counts, { created: 17, alreadyPresent: 1, skipped: 2 });
    assert.match(res.body.notice, /not managed in the application.*bound to it/);
    const results = new Map((res.body.results as Result[]).map((r) => [r.userName, r]));
    assert.equal(results.get('carol.jones@example.com')?.outcome, 'already_present');
    assert.equal(results.get('carol.jones@example.com')?.userId, carolId);
    assert.equal(results.get('sam.suspended@example.com')?.reason, 'suspended_in_application');
    assert.equal(results.get('gil.guest@example.com')?.reason, 'not_in_application');

    const created = await service.ctx.users.get(results.get('new.3@example.com')!.userId!);
    assert.equal(created.username, 'new.3@example.com');
    assert.equal(created.email, 'new.3@example.com');
    assert.equal(created.firstName, 'new');
    assert.equal(created.lastName, '3');
    assert.equal(created.jobTitle, 'Engineer');
    assert.equal(created.department, 'R&D');
    assert.equal(created.hasPassword, false);
    assert.equal(created.status, 'active');
  });

  it('never creates a suspended user and records an event per user with its outcome',
    async () => {
      const names = await directoryUsernames(service);
      assert.equal(names.includes('sam.suspended@example.com'), false);
      assert.equal(names.includes('gil.guest@example.com'), false);
      const events = await api(service).get(`/events?type=user_import&limit=100`).expect(200);
      const outcomes = (events.body.events as { resource: { name: string }; outcome: string;
        details: { result: string } }[]).map((e) => `${e.resource.name} ${e.outcome} `
          + e.details.result);
      assert.equal(outcomes.length, 20);
      assert.ok(outcomes.includes('new.0@example.com success created'));
      // Present already, or suspended there: skipped as they should be, not failures.
      assert.ok(outcomes.includes('carol.jones@example.com success already_present'));
      assert.ok(outcomes.includes('sam.suspended@example.com success skipped'));
      assert.ok(outcomes.includes('gil.guest@example.com failure skipped'));
    });

  it('creates no duplicate when the same import runs again', async () => {
    const before = (await directoryUsernames(service)).length;
    const res = await api(service).post(`/applications/${appId}/import`,
      { userNames: ['NEW.0@example.com', 'new.1@example.com', 'new.1@example.com'] })
      .expect(200);
    assert.deepEqual(res.body.counts, { created: 0, alreadyPresent: 2, skipped: 0 });
    assert.equal((await directoryUsernames(service)).length, before);
    const listing = await api(service).get(`/applications/${appId}/import/users?newOnly=true`)
      .expect(200);
    assert.equal(listing.body.items.length, 0);
  });

  it('reports an id the application does not have as that id, not as a userName',
    async () => {
      const listed = await api(service).get(`/applications/${appId}/import/users`).expect(200);
      const carol = (listed.body.items as Candidate[])
        .find((c) => c.userName === 'carol.jones@example.com')!;
      const before = (await directoryUsernames(service)).length;
      const res = await api(service).post(`/applications/${appId}/import`,
        { userIds: ['no-such-id', carol.id] }).expect(200);
      const [missing, found] = res.body.results as
        (Result & { applicationUserId: string; message: string | null })[];
      assert.deepEqual({ ...missing, message: undefined }, { userName: null,
        applicationUserId: 'no-such-id', outcome: 'skipped', reason: 'not_in_application',
        message: undefined, userId: null });
      assert.match(missing!.message!, /application has no user with id "no-such-id"/);
      assert.equal(found!.userName, 'carol.jones@example.com');
      assert.equal(found!.applicationUserId, carol.id);
      assert.equal((await directoryUsernames(service)).length, before);

      const events = await api(service).get(`/events?type=user_import&limit=2`).expect(200);
      const event = (events.body.events as { outcome: string; resource: { name: unknown };
        details: { applicationUserId?: string } }[])
        .find((e) => e.details.applicationUserId === 'no-such-id');
      assert.equal(event?.outcome, 'failure');
      assert.equal(event?.resource.name, null);
    });

  it('refuses a selection that is not a list of user ids or names, changing nothing',
    async () => {
      const before = (await directoryUsernames(service)).length;
      const res = await api(service).post(`/applications/${appId}/import`,
        { userNames: [], userIds: ['x'] }).expect(400);
      assert.equal(res.body.error.code, 'invalid_request');
      assert.equal((await directoryUsernames(service)).length, before);
    });

  it('answers 404 for an unknown application and 409 when identity management is inactive',
    async () => {
      await api(service).get('/applications/nope/import/users').expect(404);
      const other = await service.ctx.applications.create('custom-saml', { label: 'Other' },
        SYSTEM);
      const res = await api(service).get(`/applications/${other.id}/import/users`).expect(409);
      assert.equal(res.body.error.code, 'idm_not_active');
    });
});

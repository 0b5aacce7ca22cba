import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SYSTEM } from '../../src/insights/events.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';
import { api, appUser, appWithActiveIdm, directoryUsernames, seedNewUsers } from
  './support.js';

interface Candidate { userName: string; status: string; directoryUserId: string | null }
interface Result { userName: string; outcome: string; userId: string | null }

describe('import as the application sees it', () => {
  let service: TestService;
  let sp: ScimSp;
  let appId: string;
  let danaId: string;

  before(async () => {
    service = await startTestService();
    sp = await startScimSp();
    appId = (await appWithActiveIdm(service, sp)).id;
    // The application spells the userName with capitals; the directory does not.
    sp.seedUser(appUser('Dana.Smith@Example.COM', { emails: [
      { value: 'dana.work@example.net', primary: true, type: 'work' }] }));
    danaId = (await service.ctx.users.create({ username: 'dana.smith@example.com',
      email: 'dana.smith@example.com' }, SYSTEM)).id;
    seedNewUsers(sp, 250);
  });
  after(async () => {
    await service.dispose();
    await sp.stop();
  });

  it('matches a userName in another letter case to the directory user', async () => {
    const listing = await api(service).get(`/applications/${appId}/import/users`).expect(200);
    const dana = (listing.body.items as Candidate[])
      .find((c) => c.userName === 'Dana.Smith@Example.COM');
    assert.equal(dana?.status, 'imported');
    assert.equal(dana?.directoryUserId, danaId);
    const res = await api(service).post(`/applications/${appId}/import`,
      { userNames: ['dana.smith@example.com'] }).expect(200);
    const [result] = res.body.results as Result[];
    assert.equal(result?.outcome, 'already_present');
    assert.equal(result?.userId, danaId);
  });

  it('imports from the listing just shown without reading the application again',
    async () => {
      await api(service).get(`/applications/${appId}/import/users`).expect(200);
      const before = sp.requests.length;
      const res = await api(service).post(`/applications/${appId}/import`,
        { userNames: ['new.249@example.com'] }).expect(200);
      assert.equal(res.body.counts.created, 1);
      assert.equal(sp.requests.length, before, 'no request between the listing and the answer');
      // Used once: the next import reads the application's users again.
      await api(service).post(`/applications/${appId}/import`,
        { userNames: ['new.248@example.com'] }).expect(200);
      assert.ok(sp.requests.length > before);
    });

  it('waits out the listing\'s 429 answers and goes on', async () => {
    const before = sp.requests.length;
    sp.faults.failNext(2, 429);
    const names = Array.from({ length: 50 }, (_, i) => `new.${i}@example.com`);
    const res = await api(service).post(`/applications/${appId}/import`, { userNames: names })
      .expect(200);
    assert.deepEqual(res.body.counts, { created: 50, alreadyPresent: 0, skipped: 0 });
    const statuses = sp.requests.slice(before).map((r) => r.status);
    assert.deepEqual(statuses.slice(0, 3), [429, 429, 200]);
    // Every page was read after the refusals: the 250 users come in 3 pages of 100.
    assert.equal(statuses.filter((s) => s === 200).length, 3);
  });

  it('sends the application no write, small import or large', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `new.${i + 50}@example.com`);
    const job = await api(service).post(`/applications/${appId}/import`, { userNames: names })
      .expect(202);
    for (let i = 0; i < 600; i += 1) {
      const state = await api(service).get(`/import-jobs/${job.body.job.id}`).expect(200);
      if (state.body.status === 'completed') break;
      await sleep(25);
    }
    assert.equal((await directoryUsernames(service)).length, 251);
    const methods = new Set(sp.requests.map((r) => r.method));
    assert.deepEqual([...methods], ['GET']);
  });
});

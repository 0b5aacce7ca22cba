import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type request from 'supertest';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';
import { api, appUser, appWithActiveIdm, seedNewUsers } from './support.js';

/** The value of each checkbox offered for selection in the Manual Import list. */
function selectable(page: string): string[] {
  return [...page.matchAll(/name="userIds" value="([^"]+)"/g)].map((m) => m[1]!);
}

/** The job a form post was sent on to, as the API reports it. */
async function jobOf(service: TestService, location: string) {
  const jobId = decodeURIComponent(location.split('/jobs/')[1]!);
  return (await api(service).get(`/import-jobs/${jobId}`).expect(200)).body as
    { total: number };
}

describe('the Manual Import form with 1,500 users', () => {
  let service: TestService;
  let sp: ScimSp;
  let agent: ReturnType<typeof request.agent>;
  let base: string;

  before(async () => {
    service = await startTestService();
    sp = await startScimSp();
    base = `/admin/applications/${(await appWithActiveIdm(service, sp)).id}/identity/import`;
    seedNewUsers(sp, 1500, 'bulk');
    sp.seedUser(appUser('off.0@example.com', { active: false }));
    agent = await adminAgent(service.url, service.adminPassword);
    // Jobs wait, so what each post selected is what the listing still shows.
    await service.ctx.imports.stop();
  });
  after(async () => {
    await service.dispose();
    await sp.stop();
  });

  it('imports 1,500 ticked users in one post', async () => {
    const page = (await agent.get(base).expect(200)).text;
    const ids = selectable(page);
    assert.equal(ids.length, 1500);
    const form = [`_csrf=${encodeURIComponent(csrfOf(page))}`,
      ...ids.map((id) => `userIds=${id}`)].join('&');
    const res = await agent.post(base).type('form').send(form).expect(303);
    assert.equal((await jobOf(service, res.headers.location as string)).total, 1500);
  });

  it('offers "Import all new users", which selects every New one', async () => {
    const page = (await agent.get(base).expect(200)).text;
    assert.match(page, /<button type="submit" name="all" value="new">Import all 1500 new/);
    const res = await agent.post(base).type('form')
      .send({ _csrf: csrfOf(page), all: 'new' }).expect(303);
    assert.equal((await jobOf(service, res.headers.location as string)).total, 1500);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type request from 'supertest';
import { SYSTEM } from '../../src/insights/events.js';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';
import { appUser, appWithActiveIdm, directoryUsernames, seedNewUsers } from './support.js';

/** The value of each checkbox offered for selection in the Manual Import list. */
function selectable(page: string): string[] {
  return [...page.matchAll(/name="userIds" value="([^"]+)"/g)].map((m) => m[1]!);
}

describe('the Manual Import view of the Identity Management tab', () => {
  let service: TestService;
  let sp: ScimSp;
  let agent: ReturnType<typeof request.agent>;
  let base: string;

  before(async () => {
    service = await startTestService();
    sp = await startScimSp();
    base = `/admin/applications/${(await appWithActiveIdm(service, sp)).id}/identity/import`;
    seedNewUsers(sp, 3);
    sp.seedUser(appUser('carol.jones@example.com'));
    sp.seedUser(appUser('sam.suspended@example.com', { active: false }));
    sp.seedUser(appUser('<b>mallory</b>@example.com'));
    await service.ctx.users.create({ username: 'CAROL.JONES@example.com',
      email: 'carol.jones@example.com' }, SYSTEM);
    agent = await adminAgent(service.url, service.adminPassword);
  });
  after(async () => {
    await service.dispose();
    await sp.stop();
  });

  it('is reached from the Identity Management tab of an active integration', async () => {
    const tab = (await agent.get(base.replace(/\/import$/, '')).expect(200)).text;
    assert.match(tab, new RegExp(`href="${base}">Manual Import</a>`));
  });

  it('lists New users to select and Imported ones without a checkbox', async () => {
    const page = (await agent.get(base).expect(200)).text;
    assert.match(page, /4 new, 1 imported, 1 suspended \(not offered\)/);
    assert.match(page, /carol\.jones@example\.com[\s\S]*?Imported/);
    assert.doesNotMatch(page, /sam\.suspended/);
    // A userName is text, never markup.
    assert.match(page, /&lt;b&gt;mallory&lt;\/b&gt;@example\.com/);
    assert.equal(selectable(page).length, 4);
    const filtered = (await agent.get(`${base}?newOnly=true`).expect(200)).text;
    assert.doesNotMatch(filtered, /carol\.jones/);
  });

  it('imports the selected users and shows each result with the group notice', async () => {
    const page = (await agent.get(base).expect(200)).text;
    const ids = sp.users().filter((u) => /^new\.[01]@/.test(u.userName)).map((u) => u.id);
    assert.deepEqual(selectable(page).filter((id) => ids.includes(id)).sort(), ids.sort());
    const res = await agent.post(base).type('form')
      .send(`_csrf=${encodeURIComponent(csrfOf(page))}&userIds=${ids[0]}&userIds=${ids[1]}`)
      .expect(200);
    assert.match(res.text, /2 created,\s+0 already present, 0 skipped/);
    assert.match(res.text, /until they are members of a user group bound to it/);
    assert.equal((await directoryUsernames(service)).length, 3);
  });

  it('skips a user whose userName cannot be a directory username, saying why', async () => {
    const page = (await agent.get(base).expect(200)).text;
    const mallory = sp.users().find((u) => u.userName.startsWith('<b>'))!.id;
    const res = await agent.post(base).type('form')
      .send({ _csrf: csrfOf(page), userIds: mallory }).expect(200);
    assert.match(res.text, /0 created,\s+0 already present, 1 skipped/);
    assert.match(res.text, /username: letters, digits and \. _ @ \+ - only/);
  });

  it('refuses an import with nothing selected, and one without the CSRF token', async () => {
    const page = (await agent.get(base).expect(200)).text;
    const empty = await agent.post(base).type('form').send({ _csrf: csrfOf(page) })
      .expect(400);
    assert.match(empty.text, /Select at least one user to import/);
    await agent.post(base).type('form').send({ userIds: selectable(page)[0] }).expect(403);
    assert.equal((await directoryUsernames(service)).length, 3);
  });

  it('runs a large import as a job whose page shows its progress and results', async () => {
    seedNewUsers(sp, 120, 'bulk');
    const page = (await agent.get(`${base}?newOnly=true`).expect(200)).text;
    const form = [`_csrf=${encodeURIComponent(csrfOf(page))}`,
      ...selectable(page).map((id) => `userIds=${id}`)].join('&');
    const res = await agent.post(base).type('form').send(form).expect(303);
    const jobPage = res.headers.location as string;
    assert.match(jobPage, /\/identity\/import\/jobs\//);
    let text = '';
    for (let i = 0; i < 200 && !/Manual Import: complete/.test(text); i += 1) {
      text = (await agent.get(jobPage).expect(200)).text;
      assert.match(text, /<progress value="\d+" max="122">/);
      if (!/complete/.test(text)) await sleep(50);
    }
    assert.match(text, /122 of 122 users done/);
    assert.match(text, /121 created,\s+0 already present, 1 skipped/);
  });
});

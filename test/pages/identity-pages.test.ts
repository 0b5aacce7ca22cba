import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { settled } from '../provisioning/support.js';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';

type Agent = Awaited<ReturnType<typeof adminAgent>>;

describe('Identity Management tab', () => {
  let service: TestService;
  let scim: ScimSp;
  let agent: Agent;
  let csrf: string;
  let appId: string;
  let tab: string;

  before(async () => {
    scim = await startScimSp();
    service = await startTestService();
    const app = await service.ctx.applications.create('asana', { label: 'Asana' }, SYSTEM);
    appId = app.id;
    tab = `/admin/applications/${appId}/identity`;
    const group = await service.ctx.groups.create({ name: 'Marketing' }, SYSTEM);
    await service.ctx.applications.bind(appId, group.id, SYSTEM);
    // The application takes email-shaped user names only.
    await service.ctx.users.create({ username: 'mia@example.com', email: 'mia@example.com',
      firstName: 'Mia' }, SYSTEM, [group.id]);
    agent = await adminAgent(service.url, service.adminPassword);
    csrf = csrfOf((await agent.get(tab).expect(200)).text);
  });
  after(async () => {
    await service?.dispose();
    await scim?.stop();
  });

  it('keeps a bad base URL next to its field and saves nothing', async () => {
    const res = await agent.post(tab).type('form').send({ _csrf: csrf,
      baseUrl: 'ftp://example.com', token: scim.token, rateProfile: 'asana-free' }).expect(400);
    assert.match(res.text, /id="f-baseUrl-error">https only/);
    assert.match(res.text, /value="ftp:\/\/example.com"/);
    assert.doesNotMatch(res.text, new RegExp(scim.token));
    assert.equal((await service.ctx.provisioning.integrations.get(appId)).status,
      'unconfigured');
  });

  it('configures, activates and provisions the bound group\'s member', async () => {
    await agent.post(tab).type('form').send({ _csrf: csrf, baseUrl: scim.baseUrl,
      token: scim.token, rateProfile: 'asana-free', manageGroups: 'on' }).expect(303);
    const configured = await agent.get(tab).expect(200);
    assert.match(configured.text, /Identity Management configuration was saved/);
    assert.match(configured.text, new RegExp(`A token ending in ${scim.token.slice(-4)} is set`));
    assert.doesNotMatch(configured.text, new RegExp(scim.token));
    await agent.post(`${tab}/activate`).type('form').send({ _csrf: csrf }).expect(303);
    assert.match((await agent.get(tab)).text, /verified and activated/);
    await settled({ service, appId } as Parameters<typeof settled>[0]);
    assert.deepEqual(scim.users().map((u) => u.userName), ['mia@example.com']);
    const page = await agent.get(tab).expect(200);
    assert.match(page.text, /<td>mia@example\.com<\/td>\s*<td>active<\/td><td><span class="badge">provisioned/);
  });

  it('refuses a new token while active, next to the token field', async () => {
    const res = await agent.post(tab).type('form').send({ _csrf: csrf, baseUrl: scim.baseUrl,
      token: 'another-token-value', rateProfile: 'asana-free', manageGroups: 'on' })
      .expect(409);
    assert.match(res.text, /id="f-token-error">The API token cannot be changed while/);
  });

  it('edits the optional mappings and restores the defaults', async () => {
    const edit = await agent.get(`${tab}?edit=mappings`).expect(200);
    assert.match(edit.text, /Optional Mappings/);
    const optional = (await service.ctx.provisioning.integrations.mappings(appId)).user
      .filter((m) => !m.required).map((m) => m.scim);
    await agent.post(`${tab}/mappings`).type('form').send({ _csrf: csrf,
      included: optional.filter((a) => a !== 'title') }).expect(303);
    assert.deepEqual((await service.ctx.provisioning.integrations.mappings(appId)).excluded,
      ['title']);
    await agent.post(`${tab}/mappings/restore`).type('form').send({ _csrf: csrf }).expect(303);
    assert.deepEqual((await service.ctx.provisioning.integrations.mappings(appId)).excluded, []);
  });

  it('syncs now and deactivates the connection', async () => {
    await agent.post(`${tab}/sync`).type('form').send({ _csrf: csrf }).expect(303);
    assert.match((await agent.get(tab)).text, /A full sync was queued/);
    await agent.post(`${tab}/deactivate`).type('form').send({ _csrf: csrf }).expect(303);
    assert.equal((await service.ctx.provisioning.integrations.get(appId)).status, 'inactive');
    const again = await agent.post(`${tab}/sync`).type('form').send({ _csrf: csrf })
      .expect(409);
    assert.match(again.text, /Activate the integration before syncing/);
  });
});

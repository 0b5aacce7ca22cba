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

  /** What a browser sends back when the form is saved as shown, token left empty. */
  function formAsShown(page: string): Record<string, string> {
    const form = page.slice(page.indexOf('<h3>Configure</h3>'));
    const selected = /<option value="([^"]*)" selected>/.exec(form)?.[1] ?? '';
    const values: Record<string, string> = { _csrf: csrf, rateProfile: selected };
    for (const m of form.matchAll(/name="(\w+)" type="(?:text|number)" value="([^"]*)"/g)) {
      values[m[1]!] = m[2]!;
    }
    if (/name="manageGroups" value="on" checked/.test(form)) values.manageGroups = 'on';
    return values;
  }

  it('offers a custom rate profile, and saving the form keeps its numbers', async () => {
    const before = await agent.get(tab).expect(200);
    assert.match(before.text, /<option value="custom">Custom/);
    await agent.post(tab).type('form').send({ ...formAsShown(before.text),
      rateProfile: 'custom', requestsPerMinute: '300', concurrentReads: '7',
      concurrentWrites: '3' }).expect(303);
    const custom = await service.ctx.provisioning.integrations.get(appId);
    assert.deepEqual([custom.rateProfile, custom.requestsPerMinute, custom.concurrentReads,
      custom.concurrentWrites], ['custom', 300, 7, 3]);
    const shown = await agent.get(tab).expect(200);
    assert.match(shown.text, /<option value="custom" selected>/);
    assert.match(shown.text, /name="requestsPerMinute" type="number" value="300"/);
    await agent.post(tab).type('form').send(formAsShown(shown.text)).expect(303);
    const saved = await service.ctx.provisioning.integrations.get(appId);
    assert.deepEqual([saved.rateProfile, saved.requestsPerMinute, saved.concurrentReads,
      saved.concurrentWrites], ['custom', 300, 7, 3]);
  });

  it('puts a custom number that is not one next to its field, changing nothing', async () => {
    const page = await agent.get(tab).expect(200);
    const res = await agent.post(tab).type('form').send({ ...formAsShown(page.text),
      requestsPerMinute: 'lots' }).expect(400);
    assert.match(res.text, /id="f-requestsPerMinute-error">/);
    assert.match(res.text, /name="requestsPerMinute" type="number" value="lots"/);
    assert.equal((await service.ctx.provisioning.integrations.get(appId)).requestsPerMinute,
      300);
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

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import { startTestService, type TestService } from '../support/service.js';

type Agent = Awaited<ReturnType<typeof adminAgent>>;

/** SP metadata documents named for the ACS URL they carry. */
function metadata(kind: 'https-acs' | 'javascript-acs' | 'http-remote-acs'): string {
  return readFileSync(new URL(`./fixtures/sp-metadata-${kind}.xml`, import.meta.url), 'utf8');
}

describe('application window pages', () => {
  let service: TestService;
  let agent: Agent;
  let csrf: string;

  before(async () => {
    service = await startTestService();
    agent = await adminAgent(service.url, service.adminPassword);
    csrf = csrfOf((await agent.get('/admin/applications').expect(200)).text);
  });
  after(() => service.dispose());

  async function customApp(customValue: string) {
    return service.ctx.applications.create('custom-saml', { label: customValue, customValue },
      SYSTEM);
  }

  it('imports SP metadata whose ACS URL is https', async () => {
    const app = await customApp('meta-ok');
    await agent.post(`/admin/applications/${app.id}/sso/metadata`).type('form')
      .send({ _csrf: csrf, spMetadataXml: metadata('https-acs') }).expect(303);
    const settings = await service.ctx.saml.settings.get(app.id);
    assert.equal(settings.spEntityId, 'https://sp.example.test/https-acs');
    assert.deepEqual(settings.acsUrls, ['https://sp.example.test/saml/acs']);
  });

  for (const [kind, url] of [['javascript-acs', 'javascript:alert(document.domain)'],
    ['http-remote-acs', 'http://sp.example.test/saml/acs']] as const) {
    it(`refuses SP metadata with a ${kind} and keeps the settings as they were`, async () => {
      const app = await customApp(`meta-${kind}`);
      await agent.post(`/admin/applications/${app.id}/sso`).type('form').send({ _csrf: csrf,
        spEntityId: 'https://before.example.test', acsUrls: 'https://before.example.test/acs',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        nameIdSource: 'email' }).expect(303);
      const res = await agent.post(`/admin/applications/${app.id}/sso/metadata`).type('form')
        .send({ _csrf: csrf, spMetadataXml: metadata(kind) }).expect(400);
      assert.match(res.text, new RegExp(`id="f-spMetadataXml-error">The metadata was not `
        + `imported: its ACS URL &quot;${url.replace(/[.()]/g, '\\$&')}&quot; is refused `
        + '\\(must be an https URL \\(http only for localhost\\)\\)'));
      assert.match(res.text, /<details class="advanced" open>/);
      const settings = await service.ctx.saml.settings.get(app.id);
      assert.equal(settings.spEntityId, 'https://before.example.test');
      assert.deepEqual(settings.acsUrls, ['https://before.example.test/acs']);
    });
  }

  it('shows a wrong attribute next to its row, keeps the rows typed and saves nothing',
    async () => {
      const app = await customApp('attrs');
      const base = { _csrf: csrf, spEntityId: 'https://attrs.example.test',
        acsUrls: 'https://attrs.example.test/acs',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        nameIdSource: 'email' };
      const bad = await agent.post(`/admin/applications/${app.id}/sso`).type('form').send({
        ...base, attrName: ['mail', 'team'], attrSource: ['property', 'property'],
        attrValue: ['email', 'shoeSize'] }).expect(400);
      assert.match(bad.text, /id="attr-1-value-error">A property must be one of /);
      assert.match(bad.text, /name="attrValue"\n value="shoeSize"/);
      assert.deepEqual((await service.ctx.saml.settings.get(app.id)).attributes, []);
      await agent.post(`/admin/applications/${app.id}/sso`).type('form').send({
        ...base, attrName: ['mail', 'team'], attrSource: ['property', 'constant'],
        attrValue: ['email', 'Blue'] }).expect(303);
      assert.deepEqual((await service.ctx.saml.settings.get(app.id)).attributes, [
        { name: 'mail', source: 'property', value: 'email' },
        { name: 'team', source: 'constant', value: 'Blue' }]);
    });

  it('shows an application without SP entity ID or ACS URL as not configured', async () => {
    const app = await customApp('unconfigured');
    const rowOf = (page: string) => new RegExp(`data-href="/admin/applications/${app.id}"`
      + '[\\s\\S]*?</tr>').exec(page)?.[0] ?? '';
    const list = await agent.get('/admin/applications?q=unconfigured').expect(200);
    assert.match(rowOf(list.text), /SSO not configured/);
    assert.doesNotMatch(rowOf(list.text), /SSO active/);
    const tab = await agent.get(`/admin/applications/${app.id}/sso`).expect(200);
    assert.match(tab.text, /class="badge badge-unconfigured">SSO not configured</);
    assert.match(tab.text, /id="sso-not-configured">\nNobody can sign in yet/);
    await agent.post(`/admin/applications/${app.id}/sso`).type('form').send({ _csrf: csrf,
      spEntityId: 'https://unconfigured.example.test',
      acsUrls: 'https://unconfigured.example.test/acs',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      nameIdSource: 'email' }).expect(303);
    const configured = await agent.get('/admin/applications?q=unconfigured').expect(200);
    assert.match(rowOf(configured.text), /SSO active/);
    const after_ = await agent.get(`/admin/applications/${app.id}/sso`).expect(200);
    assert.doesNotMatch(after_.text, /SSO not configured|id="sso-not-configured"/);
  });

  it('discards a pending next certificate from the SSO tab, with an event', async () => {
    const app = await customApp('discard-next');
    const next = await service.ctx.saml.createNextCertificate(app, SYSTEM);
    const tab = await agent.get(`/admin/applications/${app.id}/sso`).expect(200);
    const action = `/admin/applications/${app.id}/sso/certificates/${next.id}/discard`;
    assert.match(tab.text, /<h3>Next certificate<\/h3>/);
    assert.ok(tab.text.includes(`action="${action}"`), 'the tab has the discard form');
    assert.ok(tab.text.includes(next.fingerprintSha256));
    await agent.post(action).type('form').send({ _csrf: csrf }).expect(303);
    assert.equal(await service.ctx.saml.certificates.pendingNext(app.id), null);
    const shown = await agent.get(`/admin/applications/${app.id}/sso`).expect(200);
    assert.match(shown.text, /The next certificate was discarded\./);
    assert.doesNotMatch(shown.text, /Next certificate/);
    const events = await service.ctx.db.selectFrom('events').select(['type', 'details'])
      .where('application_id', '=', app.id)
      .where('type', '=', 'application_certificate_discard').execute();
    assert.equal(events.length, 1);
    assert.equal(JSON.parse(events[0]!.details).certificateId, next.id);
    const again = await agent.post(action).type('form').send({ _csrf: csrf }).expect(404);
    assert.match(again.text, /Certificate/);
  });

  it('deactivates SSO only with the confirmation ticked', async () => {
    const app = await customApp('deactivate');
    const unconfirmed = await agent.post(`/admin/applications/${app.id}/sso/activation`)
      .type('form').send({ _csrf: csrf, active: 'false' }).expect(400);
    assert.match(unconfirmed.text, /SSO is still active: tick the confirmation box/);
    assert.equal((await service.ctx.applications.get(app.id)).ssoActive, true);
    await agent.post(`/admin/applications/${app.id}/sso/activation`).type('form')
      .send({ _csrf: csrf, active: 'false', confirm: 'on' }).expect(303);
    assert.equal((await service.ctx.applications.get(app.id)).ssoActive, false);
    await agent.post(`/admin/applications/${app.id}/sso/activation`).type('form')
      .send({ _csrf: csrf, active: 'true' }).expect(303);
    assert.equal((await service.ctx.applications.get(app.id)).ssoActive, true);
  });

  it('saves General Info: label, description and visibility', async () => {
    const app = await customApp('general');
    await agent.post(`/admin/applications/${app.id}`).type('form').send({ _csrf: csrf,
      label: 'Wiki', description: 'Team pages', portalImage: 'color', portalColor: '#224466' })
      .expect(303);
    const saved = await service.ctx.applications.get(app.id);
    assert.deepEqual([saved.label, saved.description, saved.portalColor, saved.showInPortal],
      ['Wiki', 'Team pages', '#224466', false]);
    const page = await agent.get(`/admin/applications/${app.id}`).expect(200);
    assert.match(page.text, /Wiki was saved\./);
  });

  it('refuses the whole groups save when one group id is unknown', async () => {
    const app = await customApp('bind-all');
    const [kept, added] = await Promise.all(['Kept', 'Added'].map((name) =>
      service.ctx.groups.create({ name }, SYSTEM)));
    await service.ctx.applications.bind(app.id, kept!.id, SYSTEM);
    const res = await agent.post(`/admin/applications/${app.id}/groups`).type('form')
      .send({ _csrf: csrf, groupIds: [added!.id, 'no-such-group'],
        groupIdsShown: [kept!.id, added!.id] }).expect(400);
    assert.match(res.text, /One of the groups sent no longer exists: nothing was saved/);
    assert.deepEqual(await service.ctx.applications.boundGroupIds(app.id), [kept!.id]);
    await agent.post(`/admin/groups/${kept!.id}/applications`).type('form')
      .send({ _csrf: csrf, applicationIds: ['no-such-app'], applicationIdsShown: [app.id] })
      .expect(400);
    assert.deepEqual(await service.ctx.applications.boundGroupIds(app.id), [kept!.id]);
    await agent.post(`/admin/applications/${app.id}/groups`).type('form')
      .send({ _csrf: csrf, groupIds: [added!.id], groupIdsShown: [kept!.id, added!.id] })
      .expect(303);
    assert.deepEqual(await service.ctx.applications.boundGroupIds(app.id), [added!.id]);
  });

  it('pages the User Groups tab and keeps bindings of groups on other pages', async () => {
    const app = await customApp('many-groups');
    const groups = [];
    for (let i = 0; i < 105; i += 1) {
      groups.push(await service.ctx.groups.create({ name: `Team ${String(i).padStart(3, '0')}` },
        SYSTEM));
    }
    const last = groups[104]!;
    await service.ctx.applications.bind(app.id, last.id, SYSTEM);
    const first = await agent.get(`/admin/applications/${app.id}/groups`).expect(200);
    const shown = [...first.text.matchAll(/name="groupIdsShown" value="([^"]+)"/g)]
      .map((m) => m[1]!);
    assert.equal(shown.length, 100);
    assert.match(first.text, /Showing 1–100 of \d+/);
    assert.match(first.text, /href="\/admin\/applications\/[^"]+\/groups\?offset=100"/);
    await agent.post(`/admin/applications/${app.id}/groups`).type('form')
      .send({ _csrf: csrf, groupIds: [groups[0]!.id], groupIdsShown: shown }).expect(303);
    assert.deepEqual(new Set(await service.ctx.applications.boundGroupIds(app.id)),
      new Set([groups[0]!.id, last.id]));
    const second = await agent.get(`/admin/applications/${app.id}/groups?offset=100`)
      .expect(200);
    assert.match(second.text, new RegExp(`id="bind-${last.id}" name="groupIds" value="${
      last.id}" checked`));
  });
});

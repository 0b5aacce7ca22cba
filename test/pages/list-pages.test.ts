import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { adminAgent } from '../support/admin-agent.js';
import { startTestService, type TestService } from '../support/service.js';

type Agent = Awaited<ReturnType<typeof adminAgent>>;

/** The link texts of a list page's table rows (the first link of each row), isolated. */
function rowNames(page: string): string[] {
  return [...page.matchAll(
    /<tr[^>]*>\s*<td>(?:<[^a][^>]*>\s*)*<a href="[^"]+"><bdi>([^<]+)<\/bdi><\/a>/g)]
    .map((m) => m[1]!);
}

describe('admin list and search pages', () => {
  let service: TestService;
  let agent: Agent;

  before(async () => {
    service = await startTestService();
    agent = await adminAgent(service.url, service.adminPassword);
  });
  after(() => service.dispose());

  it('searches applications by name, connector and IdP URL value, as the field says',
    async () => {
      await service.ctx.applications.create('asana', { label: 'Helpdesk',
        customValue: 'support-desk' }, SYSTEM);
      await service.ctx.applications.create('custom-saml', { label: 'Wiki',
        customValue: 'wiki' }, SYSTEM);
      const list = await agent.get('/admin/applications').expect(200);
      assert.match(list.text, /placeholder="Part of a name, connector or IdP URL value"/);
      for (const q of ['help', 'asana', 'desk']) {
        const found = await agent.get(`/admin/applications?q=${q}`).expect(200);
        assert.match(found.text,
          /<a href="\/admin\/applications\/[^"]+"><bdi>Helpdesk<\/bdi><\/a>/, q);
        assert.doesNotMatch(found.text, />Wiki</, q);
      }
    });

  it('searches the catalog by name and description', async () => {
    const page = await agent.get('/admin/applications/new?q=work%20management').expect(200);
    assert.match(page.text, /placeholder="Part of a name or description"/);
    assert.match(page.text, /<strong>Asana<\/strong>/);
    const none = await agent.get('/admin/applications/new?q=zzz').expect(200);
    assert.match(none.text, /No application in the catalog matches this/);
  });

  it('finds users by the start of a username, email or name, not by the middle',
    async () => {
      await service.ctx.users.create({ username: 'grace', email: 'g.hopper@example.com',
        lastName: 'Hopper' }, SYSTEM);
      const list = await agent.get('/admin/users').expect(200);
      assert.match(list.text,
        /placeholder="Start of a username, email, first, last or display name"/);
      for (const q of ['gra', 'g.hop', 'hop']) {
        assert.deepEqual(rowNames((await agent.get(`/admin/users?q=${q}`)).text), ['grace'], q);
      }
      assert.deepEqual(rowNames((await agent.get('/admin/users?q=opper')).text), []);
    });

  it('pages the group list with its total and searches part of a name', async () => {
    for (let i = 0; i < 55; i += 1) {
      await service.ctx.groups.create({ name: `Crew ${String(i).padStart(2, '0')}` }, SYSTEM);
    }
    const first = await agent.get('/admin/groups').expect(200);
    assert.match(first.text, /placeholder="Part of a group name"/);
    assert.equal(rowNames(first.text).length, 50);
    assert.match(first.text, /Showing 1–50 of 55/);
    const second = await agent.get('/admin/groups?q=&offset=50').expect(200);
    assert.deepEqual(rowNames(second.text), ['Crew 50', 'Crew 51', 'Crew 52', 'Crew 53',
      'Crew 54']);
    assert.deepEqual(rowNames((await agent.get('/admin/groups?q=ew%2005')).text),
      ['Crew 05']);
  });

  it('pages the members of a group and says how many there are', async () => {
    const group = await service.ctx.groups.create({ name: 'Big crew' }, SYSTEM);
    for (let i = 0; i < 52; i += 1) {
      const user = await service.ctx.users.create({ username: `m${String(i).padStart(2, '0')}`,
        email: `m${i}@example.com` }, SYSTEM);
      await service.ctx.groups.addMember(group.id, user.id, SYSTEM);
    }
    const first = await agent.get(`/admin/groups/${group.id}`).expect(200);
    assert.match(first.text, /Members \(52\)/);
    assert.match(first.text, /Showing 1–50 of 52/);
    const second = await agent.get(`/admin/groups/${group.id}?offset=50`).expect(200);
    assert.match(second.text, /Showing 51–52 of 52/);
    assert.match(second.text, /><bdi>m51<\/bdi><\/a>/);
  });

  it('previews the full IdP URL without stray line breaks', async () => {
    const page = await agent.get('/admin/applications/new/details?connector=asana')
      .expect(200);
    const preview = /<output id="idp-url-preview" for="f-customValue">([^<]*)<\/output>/
      .exec(page.text)?.[1];
    assert.equal(preview, `${service.url}/saml2/asana`);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { GROUPS_ON_PAGE } from '../../src/admin/pages/users.js';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import { startTestService, type TestService } from '../support/service.js';

type Agent = Awaited<ReturnType<typeof adminAgent>>;

describe('saving a user\'s groups in the admin portal', () => {
  let service: TestService;
  let agent: Agent;
  let userId: string;
  let kept: string;
  let other: string;

  before(async () => {
    service = await startTestService();
    agent = await adminAgent(service.url, service.adminPassword);
    const { users, groups } = service.ctx;
    kept = (await groups.create({ name: 'Kept' }, SYSTEM)).id;
    other = (await groups.create({ name: 'Other' }, SYSTEM)).id;
    userId = (await users.create({ username: 'member', email: 'member@example.com' }, SYSTEM,
      [kept])).id;
  });
  after(() => service.dispose());

  const memberships = async () => (await service.ctx.groups.groupsOfUser(userId))
    .map((g) => g.name).sort();
  const save = async (groupIds: string[]) => {
    const page = await agent.get(`/admin/users/${userId}`).expect(200);
    return agent.post(`/admin/users/${userId}/groups`).type('form')
      .send({ _csrf: csrfOf(page.text), groupIds });
  };

  it('saves all changes or none', async () => {
    const refused = await save([other, 'no-such-group']);
    assert.equal(refused.status, 404);
    assert.match(refused.text, /Group not found/);
    assert.deepEqual(await memberships(), ['Kept']);
    await save([other]).then((res) => assert.equal(res.status, 303));
    assert.deepEqual(await memberships(), ['Other']);
    await save([kept, other]).then((res) => assert.equal(res.status, 303));
    assert.deepEqual(await memberships(), ['Kept', 'Other']);
  });

  it('refuses a save when the directory has more groups than the page lists', async () => {
    for (let i = 0; i < GROUPS_ON_PAGE; i += 1) {
      await service.ctx.groups.create({ name: `Team ${String(i).padStart(3, '0')}` }, SYSTEM);
    }
    const page = await agent.get(`/admin/users/${userId}`).expect(200);
    assert.match(page.text, /more\s+than this page lists/);
    assert.doesNotMatch(page.text, /Save groups/);
    const refused = await agent.post(`/admin/users/${userId}/groups`).type('form')
      .send({ _csrf: csrfOf(page.text), groupIds: [kept] });
    assert.equal(refused.status, 409);
    assert.match(refused.text, /The directory has 502 user groups, more than this page lists/);
    assert.deepEqual(await memberships(), ['Kept', 'Other']);
  });
});

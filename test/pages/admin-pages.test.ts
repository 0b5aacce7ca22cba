import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import { startTestService, type TestService } from '../support/service.js';

type Agent = Awaited<ReturnType<typeof adminAgent>>;

/** A 1x1 PNG, the smallest real logo. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADh'
  + 'gGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe('admin portal pages', () => {
  let service: TestService;
  let agent: Agent;
  let csrf: string;

  before(async () => {
    service = await startTestService();
    agent = await adminAgent(service.url, service.adminPassword);
    csrf = csrfOf((await agent.get('/admin/users/new').expect(200)).text);
  });
  after(() => service.dispose());

  it('shows a field error next to a bad email and keeps what was typed', async () => {
    const res = await agent.post('/admin/users').type('form').send({ _csrf: csrf,
      username: 'grace', email: 'not-an-email', firstName: 'Grace' }).expect(400);
    assert.match(res.text, /id="f-email-error">Enter an email address</);
    assert.match(res.text, /name="firstName" type="text" value="Grace"/);
    assert.match(res.text, /Some fields need attention/);
    assert.equal((await service.ctx.users.list({ username: 'grace', limit: 1, offset: 0 }))
      .total, 0);
  });

  it('puts a taken email under the email field only, in words', async () => {
    await service.ctx.users.create({ username: 'ada', email: 'ada@example.com' }, SYSTEM);
    const res = await agent.post('/admin/users').type('form').send({ _csrf: csrf,
      username: 'ada2', email: 'ADA@example.com' }).expect(409);
    assert.match(res.text, /id="f-email-error">Already taken \(letter case is ignored\)</);
    assert.doesNotMatch(res.text, /id="f-username-error"/);
    assert.match(res.text, /name="username" type="text" value="ada2"/);
  });

  it('says what to do for an empty or too long field, not how the check is written',
    async () => {
      const res = await agent.post('/admin/users').type('form').send({ _csrf: csrf,
        username: '', email: 'x@example.com', jobTitle: 'j'.repeat(201) }).expect(400);
      assert.match(res.text, /id="f-username-error">Fill in this field</);
      assert.match(res.text, /id="f-jobTitle-error">Use at most 200 characters</);
      assert.doesNotMatch(res.text, /Too small|Too big|expected string/);
      const group = await agent.post('/admin/groups').type('form')
        .send({ _csrf: csrf, name: '' }).expect(400);
      assert.match(group.text, /id="f-name-error">Enter a name</);
    });

  it('creates, suspends, activates a user and sets its password, with notices', async () => {
    const created = await agent.post('/admin/users').type('form').send({ _csrf: csrf,
      username: 'grace', email: 'grace@example.com', lastName: 'Hopper' }).expect(303);
    const userPath = created.headers.location!;
    const page = await agent.get(userPath).expect(200);
    assert.match(page.text, /User grace was created\./);
    await agent.post(`${userPath}/status`).type('form')
      .send({ _csrf: csrf, status: 'suspended' }).expect(303);
    const id = userPath.split('/').pop()!;
    assert.equal((await service.ctx.users.get(id)).status, 'suspended');
    assert.match((await agent.get(userPath)).text, /grace is now suspended\./);
    await agent.post(`${userPath}/status`).type('form')
      .send({ _csrf: csrf, status: 'active' }).expect(303);
    assert.equal((await service.ctx.users.get(id)).status, 'active');
    const short = await agent.post(`${userPath}/password`).type('form')
      .send({ _csrf: csrf, password: 'short' }).expect(400);
    assert.match(short.text, /id="f-password-error">At least 8 characters</);
    await agent.post(`${userPath}/password`).type('form')
      .send({ _csrf: csrf, password: 'a-long-password' }).expect(303);
    assert.equal((await service.ctx.users.get(id)).hasPassword, true);
  });

  it('puts a taken group name next to the name field', async () => {
    await service.ctx.groups.create({ name: 'Sales' }, SYSTEM);
    const res = await agent.post('/admin/groups').type('form')
      .send({ _csrf: csrf, name: 'sales' }).expect(409);
    assert.match(res.text, /id="f-name-error">A group with this name already exists</);
    assert.match(res.text, /name="name" type="text" value="sales"/);
  });

  it('changes a user\'s groups and so the applications the user reaches', async () => {
    const group = await service.ctx.groups.create({ name: 'Support' }, SYSTEM);
    const app = await service.ctx.applications.create('asana', { label: 'Helpdesk Asana',
      customValue: 'helpdesk' }, SYSTEM);
    await agent.post(`/admin/groups/${group.id}/applications`).type('form')
      .send({ _csrf: csrf, applicationIds: [app.id] }).expect(303);
    const user = await service.ctx.users.create({ username: 'lin', email: 'lin@example.com' },
      SYSTEM);
    await agent.post(`/admin/users/${user.id}/groups`).type('form')
      .send({ _csrf: csrf, groupIds: [group.id] }).expect(303);
    const page = await agent.get(`/admin/users/${user.id}`).expect(200);
    assert.match(page.text, /<bdi>Helpdesk Asana<\/bdi><\/a><\/li>/);
    await agent.post(`/admin/users/${user.id}/groups`).type('form')
      .send({ _csrf: csrf }).expect(303);
    assert.deepEqual(await service.ctx.applications.applicationsOfUser(user.id), []);
  });

  it('adds a member by email, removes it, renames and deletes a group', async () => {
    const group = await service.ctx.groups.create({ name: 'Ops' }, SYSTEM);
    const user = await service.ctx.users.create({ username: 'omar', email: 'omar@example.com' },
      SYSTEM);
    const unknown = await agent.post(`/admin/groups/${group.id}/members`).type('form')
      .send({ _csrf: csrf, login: 'nobody@example.com' }).expect(400);
    assert.match(unknown.text, /No user has this username or email/);
    await agent.post(`/admin/groups/${group.id}/members`).type('form')
      .send({ _csrf: csrf, login: 'OMAR@example.com' }).expect(303);
    assert.equal((await service.ctx.groups.get(group.id)).memberCount, 1);
    await agent.post(`/admin/groups/${group.id}/members/remove`).type('form')
      .send({ _csrf: csrf, userId: user.id }).expect(303);
    assert.equal((await service.ctx.groups.get(group.id)).memberCount, 0);
    await agent.post(`/admin/groups/${group.id}`).type('form')
      .send({ _csrf: csrf, name: 'Operations' }).expect(303);
    assert.equal((await service.ctx.groups.get(group.id)).name, 'Operations');
    await agent.post(`/admin/groups/${group.id}/delete`).type('form')
      .send({ _csrf: csrf }).expect(303);
    assert.equal((await service.ctx.groups.get(group.id)).name, 'Operations');
    await agent.post(`/admin/groups/${group.id}/delete`).type('form')
      .send({ _csrf: csrf, confirm: 'on' }).expect(303);
    await assert.rejects(service.ctx.groups.get(group.id), { code: 'not_found' });
  });

  it('stores an uploaded PNG logo and refuses an SVG one next to the field', async () => {
    const saved = await agent.post('/admin/applications/new').field('_csrf', csrf)
      .field('connector', 'custom-saml').field('label', 'Logo app')
      .field('portalImage', 'logo').field('portalColor', '#112233')
      .field('showInPortal', 'on').field('customValue', 'logo-app')
      .attach('logo', PNG, { filename: 'logo.png', contentType: 'image/png' }).expect(303);
    assert.match(saved.headers.location!, /\/saved$/);
    const app = await service.ctx.applications.findByCustomValue('logo-app');
    assert.equal(app?.portalLogo, `data:image/png;base64,${PNG.toString('base64')}`);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>');
    const refused = await agent.post(`/admin/applications/${app!.id}`).field('_csrf', csrf)
      .field('label', 'Logo app 2').field('portalImage', 'logo').field('portalColor', '#112233')
      .attach('logo', svg, { filename: 'logo.svg', contentType: 'image/svg+xml' }).expect(400);
    assert.match(refused.text, /id="f-logo-error">The logo must be a PNG, JPEG, GIF or WebP/);
    assert.equal((await service.ctx.applications.get(app!.id)).label, 'Logo app');
  });

  it('refuses a taken or malformed IdP URL value next to its field', async () => {
    const base = { _csrf: csrf, connector: 'asana', portalImage: 'color',
      portalColor: '#112233' };
    const bad = await agent.post('/admin/applications/new').type('form')
      .send({ ...base, customValue: 'Not Valid' }).expect(400);
    assert.match(bad.text, /id="f-customValue-error">Lower-case letters/);
    assert.match(bad.text, /<details class="advanced" open>/);
    await agent.post('/admin/applications/new').type('form')
      .send({ ...base, customValue: 'taken-value' }).expect(303);
    const taken = await agent.post('/admin/applications/new').type('form')
      .send({ ...base, customValue: 'taken-value' }).expect(409);
    assert.match(taken.text, /id="f-customValue-error">The IdP URL value &quot;taken-value/);
  });

  it('edits a user\'s properties and keeps what was typed when one is wrong', async () => {
    const user = await service.ctx.users.create({ username: 'edsger',
      email: 'edsger@example.com' }, SYSTEM);
    const bad = await agent.post(`/admin/users/${user.id}`).type('form').send({ _csrf: csrf,
      username: 'edsger', email: 'edsger@example.com', department: 'Research',
      firstName: 'f'.repeat(101) }).expect(400);
    assert.match(bad.text, /id="f-firstName-error">Use at most 100 characters</);
    assert.match(bad.text, /name="department" type="text" value="Research"/);
    assert.equal((await service.ctx.users.get(user.id)).department, '');
    await agent.post(`/admin/users/${user.id}`).type('form').send({ _csrf: csrf,
      username: 'edsger', email: 'ewd@example.com', department: 'Research',
      firstName: 'Edsger' }).expect(303);
    const saved = await service.ctx.users.get(user.id);
    assert.deepEqual([saved.email, saved.department, saved.firstName],
      ['ewd@example.com', 'Research', 'Edsger']);
    assert.match((await agent.get(`/admin/users/${user.id}`)).text,
      /The properties of edsger were saved\./);
  });

  it('answers an unknown page or record with the not-found page', async () => {
    for (const path of ['/admin/nowhere', '/admin/applications/no-such-id',
      '/admin/users/no-such-id', '/admin/groups/no-such-id']) {
      const res = await agent.get(path).expect(404);
      assert.match(res.text, /<h1>Not found<\/h1>/, path);
    }
  });

  it('shows the saved step with the full IdP URL and serves certificate.pem', async () => {
    const app = await service.ctx.saml.createApplication({ connector: 'asana',
      customValue: 'saved-step' }, SYSTEM);
    const saved = await agent.get(`/admin/applications/${app.id}/saved`).expect(200);
    assert.match(saved.text, new RegExp(`<code>${service.url}/saml2/saved-step</code>`));
    assert.match(saved.text, /href="\/admin\/applications\/[^"]+\/sso">\nConfigure Application/);
    const pem = await agent.get(`/admin/applications/${app.id}/certificate.pem`).expect(200);
    assert.match(String(pem.headers['content-disposition']), /filename="?certificate\.pem"?$/);
    assert.equal(pem.text, await service.ctx.saml.certificatePem(app.id));
  });
});

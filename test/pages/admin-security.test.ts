import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SYSTEM } from '../../src/insights/events.js';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import { startTestService, type TestService } from '../support/service.js';

describe('admin portal security', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.dispose());

  it('sends anonymous visitors of admin pages to the login page', async () => {
    for (const path of ['/admin', '/admin/users', '/admin/applications', '/admin/insights']) {
      const res = await request(service.url).get(path).expect(303);
      assert.match(res.headers.location!, /^\/admin\/login\?next=/);
    }
  });

  it('refuses an anonymous form post even with a valid CSRF token', async () => {
    const agent = request.agent(service.url);
    const login = await agent.get('/admin/login').expect(200);
    const res = await agent.post('/admin/users').type('form').send({
      _csrf: csrfOf(login.text), username: 'intruder', email: 'i@example.com' }).expect(401);
    assert.match(res.text, /Log in as an administrator first/);
    assert.equal((await service.ctx.users.list({ username: 'intruder', limit: 1, offset: 0 }))
      .total, 0);
  });

  it('does not let a directory user log in to the admin portal', async () => {
    await service.ctx.users.create({ username: 'dora', email: 'dora@example.com',
      password: 'directory-pass-1' }, SYSTEM);
    const agent = request.agent(service.url);
    const login = await agent.get('/admin/login').expect(200);
    const res = await agent.post('/admin/login').type('form').send({
      _csrf: csrfOf(login.text), username: 'dora', password: 'directory-pass-1' }).expect(401);
    assert.match(res.text, /The username or password is wrong/);
    await agent.get('/admin/users').expect(303).expect('location', /\/admin\/login/);
  });

  it('keeps a directory user signed in to the console out of every admin page', async () => {
    const user = await service.ctx.users.create({ username: 'carl', email: 'carl@example.com',
      password: 'directory-pass-2' }, SYSTEM);
    const agent = request.agent(service.url);
    const login = await agent.get('/login').expect(200);
    await agent.post('/login').type('form').send({ _csrf: csrfOf(login.text),
      username: 'carl', password: 'directory-pass-2', continue: '/' }).expect(303);
    const home = await agent.get('/').expect(200);
    assert.match(home.text, /Signed in as <strong>carl<\/strong>/);
    for (const path of ['/admin/users', `/admin/users/${user.id}`, '/admin/insights']) {
      await agent.get(path).expect(303).expect('location', /^\/admin\/login/);
    }
    // The console's token belongs to the console's session, not to the admin portal's.
    await agent.post(`/admin/users/${user.id}/status`).type('form')
      .send({ _csrf: csrfOf(home.text), status: 'suspended' }).expect(403);
    const adminLogin = await agent.get('/admin/login').expect(200);
    const refused = await agent.post(`/admin/users/${user.id}/status`).type('form')
      .send({ _csrf: csrfOf(adminLogin.text), status: 'suspended' }).expect(401);
    assert.match(refused.text, /Log in as an administrator first/);
    assert.equal((await service.ctx.users.get(user.id)).status, 'active');
  });

  it('escapes a hostile application label and description on the console tiles', async () => {
    const group = await service.ctx.groups.create({ name: 'Hostile' }, SYSTEM);
    // Configured, so its tile is shown.
    const app = await service.ctx.saml.createApplication({ connector: 'custom-saml',
      label: '<script>alert(3)</script>', description: '"><img src=x onerror=alert(4)>',
      customValue: 'hostile-app', saml: { spEntityId: 'https://hostile.example.test',
        acsUrls: ['https://hostile.example.test/acs'] } }, SYSTEM);
    await service.ctx.applications.bind(app.id, group.id, SYSTEM);
    await service.ctx.users.create({ username: 'hana', email: 'hana@example.com',
      password: 'directory-pass-3' }, SYSTEM, [group.id]);
    const agent = request.agent(service.url);
    const login = await agent.get('/login').expect(200);
    await agent.post('/login').type('form').send({ _csrf: csrfOf(login.text),
      username: 'hana', password: 'directory-pass-3', continue: '/' }).expect(303);
    const home = await agent.get('/').expect(200);
    assert.match(home.text, /&lt;script&gt;alert\(3\)&lt;\/script&gt;/);
    assert.match(home.text, /&quot;&gt;&lt;img src=x onerror=alert\(4\)&gt;/);
    assert.doesNotMatch(home.text, /<script>alert|<img src=x/);
  });

  it('refuses a console login posted without its CSRF token', async () => {
    await service.ctx.users.create({ username: 'lou', email: 'lou@example.com',
      password: 'directory-pass-4' }, SYSTEM);
    const agent = request.agent(service.url);
    await agent.get('/login').expect(200);
    const res = await agent.post('/login').type('form')
      .send({ username: 'lou', password: 'directory-pass-4', continue: '/' }).expect(403);
    assert.match(res.text, /This form was not sent from a page of this site/);
    await agent.get('/').expect(303).expect('location', /^\/login/);
  });

  it('refuses a post whose CSRF token is missing or wrong, and changes nothing', async () => {
    const agent = await adminAgent(service.url, service.adminPassword);
    for (const token of [undefined, 'not-the-token']) {
      const res = await agent.post('/admin/groups').type('form')
        .send({ ...(token ? { _csrf: token } : {}), name: 'Forged' }).expect(403);
      assert.match(res.text, /This form was not sent from a page of this site/);
    }
    assert.equal((await service.ctx.groups.list({ name: 'Forged', limit: 1, offset: 0 }))
      .total, 0);
  });

  it('sends a Content-Security-Policy without inline script, and no framing', async () => {
    const res = await request(service.url).get('/admin/login').expect(200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(res.text, /<script>/);
  });

  it('sets each session cookie HttpOnly and SameSite=Lax, not Secure over http', async () => {
    const admin = await request(service.url).get('/admin/login').expect(200);
    const userConsole = await request(service.url).get('/login').expect(200);
    const cookies = [admin, userConsole].map((res) => String(res.headers['set-cookie']));
    assert.match(cookies[0]!, /^idp\.admin\.sid=.*; Path=\/admin;/);
    assert.match(cookies[1]!, /^idp\.sid=.*; Path=\/;/);
    for (const cookie of cookies) {
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.doesNotMatch(cookie, /Secure/);
    }
  });

  it('escapes a hostile user name on every page that shows it', async () => {
    const hostile = '<img src=x onerror=alert(1)>"\'';
    const user = await service.ctx.users.create({ username: 'hostile', email: 'h@example.com',
      displayName: hostile, department: '<script>alert(2)</script>' }, SYSTEM);
    const agent = await adminAgent(service.url, service.adminPassword);
    const list = await agent.get('/admin/users').expect(200);
    const detail = await agent.get(`/admin/users/${user.id}`).expect(200);
    for (const page of [list.text, detail.text]) {
      assert.doesNotMatch(page, /<img src=x/);
      assert.doesNotMatch(page, /<script>alert/);
    }
    assert.match(list.text, /&lt;img src=x onerror=alert\(1\)&gt;&quot;&#39;/);
    assert.match(detail.text, /value="&lt;script&gt;alert\(2\)&lt;\/script&gt;"/);
  });

  it('isolates names holding a right-to-left override in lists and headings', async () => {
    // U+202E would show "Payroll gpj.exe" as "Payroll exe.jpg", and reorder what follows.
    const name = (base: string) => `${base} \u202Egpj.exe`;
    const isolated = (base: string) => `<bdi>${name(base)}</bdi>`;
    const user = await service.ctx.users.create({ username: 'rlo-user',
      email: 'rlo@example.com', displayName: name('Ray') }, SYSTEM);
    const group = await service.ctx.groups.create({ name: name('Payroll') }, SYSTEM);
    await service.ctx.groups.addMember(group.id, user.id, SYSTEM);
    const app = await service.ctx.applications.create('custom-saml', {
      label: name('Wiki'), customValue: 'rlo-wiki' }, SYSTEM);
    await service.ctx.applications.bind(app.id, group.id, SYSTEM);
    const agent = await adminAgent(service.url, service.adminPassword);
    const page = async (path: string) => (await agent.get(path).expect(200)).text;

    assert.ok((await page('/admin/users?q=rlo')).includes(isolated('Ray')), 'user list');
    const groups = await page('/admin/groups');
    assert.ok(groups.includes(isolated('Payroll')), 'group list');
    const groupPage = await page(`/admin/groups/${group.id}`);
    assert.ok(groupPage.includes(`<h1>${isolated('Payroll')}</h1>`), 'group heading');
    assert.ok(groupPage.includes(`>${isolated('Wiki')}</label>`), 'bound application box');
    const apps = await page('/admin/applications?q=rlo');
    assert.ok(apps.includes(`>${isolated('Wiki')}</a>`), 'application list');
    const appPage = await page(`/admin/applications/${app.id}`);
    assert.ok(appPage.includes(`<h1>${isolated('Wiki')}</h1>`), 'application heading');
    const userPage = await page(`/admin/users/${user.id}`);
    assert.ok(userPage.includes(`>${isolated('Payroll')}</label>`), 'the user\'s groups');
    const events = await page('/admin/insights?range=all');
    assert.ok(events.includes(`application: ${isolated('Wiki')}`), 'event resource');
  });

  it('invalidates the session at logout: the old cookie opens nothing', async () => {
    const login = await request(service.url).get('/admin/login').expect(200);
    const anonymous = sessionCookie(login.headers['set-cookie']);
    const signedIn = await request(service.url).post('/admin/login').type('form')
      .set('cookie', anonymous).send({ _csrf: csrfOf(login.text), username: 'admin',
        password: service.adminPassword }).expect(303);
    const cookie = sessionCookie(signedIn.headers['set-cookie']);
    assert.notEqual(cookie, anonymous, 'login must issue a new session id');
    const page = await request(service.url).get('/admin/users').set('cookie', cookie)
      .expect(200);
    await request(service.url).post('/admin/logout').type('form').set('cookie', cookie)
      .send({ _csrf: csrfOf(page.text) }).expect(303)
      .expect('location', '/admin/login?loggedOut=1');
    await request(service.url).get('/admin/users').set('cookie', cookie).expect(303)
      .expect('location', /\/admin\/login/);
  });
});

/** The admin portal's session cookie (name=value) from a Set-Cookie header. */
function sessionCookie(header: string | string[] | undefined): string {
  const found = [header ?? []].flat().find((c) => c.startsWith('idp.admin.sid='));
  if (!found) throw new Error('no session cookie was set');
  return found.split(';')[0]!;
}

describe('admin portal behind https', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ PUBLIC_URL: 'https://idp.example.test' });
  });
  after(() => service.dispose());

  it('marks the session cookie Secure and sends HSTS', async () => {
    // The service trusts a proxy on loopback, which says the visitor used https.
    const res = await request(service.url).get('/admin/login')
      .set('x-forwarded-proto', 'https').expect(200);
    assert.match(String(res.headers['set-cookie']), /; Secure/);
    assert.match(String(res.headers['strict-transport-security']), /max-age=/);
  });
});

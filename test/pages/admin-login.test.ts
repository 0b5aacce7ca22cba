import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SYSTEM } from '../../src/insights/events.js';
import { csrfOf } from '../support/admin-agent.js';
import { makePerson, PERSON_PASSWORD } from '../support/directory.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * One admin login from the given client address (the service trusts X-Forwarded-For
 * from a proxy on loopback, as the tests are). Answers the status and page.
 */
async function adminLoginFrom(service: TestService, address: string, username: string,
  password: string): Promise<{ status: number; text: string; cookie: string | undefined }> {
  const agent = request.agent(service.url);
  const page = await agent.get('/admin/login').set('x-forwarded-for', address).expect(200);
  const res = await agent.post('/admin/login').set('x-forwarded-for', address).type('form')
    .send({ _csrf: csrfOf(page.text), username, password });
  const cookie = [res.headers['set-cookie'] ?? []].flat()
    .find((c) => c.startsWith('idp.admin.sid='));
  return { status: res.status, text: res.text, cookie: cookie?.split(';')[0] };
}

describe('admin login limits', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.dispose());

  it('refuses a username after ten failures spread over ten addresses', async () => {
    for (let i = 1; i <= 10; i += 1) {
      const res = await adminLoginFrom(service, `198.51.100.${i}`, 'admin', 'wrong');
      assert.equal(res.status, 401);
    }
    const right = await adminLoginFrom(service, '198.51.100.99', 'ADMIN',
      service.adminPassword);
    assert.equal(right.status, 429, 'the right password is not even checked');
    assert.match(right.text, /Too many failed attempts/);
    const events = await service.ctx.db.selectFrom('events').select('outcome')
      .where('type', '=', 'admin_login').execute();
    assert.equal(events.filter((e) => e.outcome === 'success').length, 0);
  });
});

describe('failed admin logins in the event log', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.dispose());

  /** The newest failed admin login event. */
  const lastFailure = async () => {
    const res = await request(service.url).get('/api/v1/events?type=admin_login&limit=1')
      .set('x-api-key', service.apiKey).expect(200);
    const [event] = res.body.events;
    assert.equal(event.outcome, 'failure');
    return event;
  };

  it('names the administrator only when the typed name is one, and tells why', async () => {
    const admin = await service.ctx.admins.byUsername('admin');
    assert.equal((await adminLoginFrom(service, '192.0.2.1', 'admin', 'wrong')).status, 401);
    const wrong = await lastFailure();
    assert.deepEqual(wrong.initiator, { type: 'admin', id: admin.id, name: 'admin' });
    assert.equal(wrong.details.reason, 'wrong_password');
    assert.equal(wrong.details.username, undefined);

    await adminLoginFrom(service, '192.0.2.1', '  mallory  ', 'wrong');
    const unknown = await lastFailure();
    assert.deepEqual(unknown.initiator, { type: 'admin', id: null, name: null });
    assert.equal(unknown.resource.name, null);
    assert.equal(unknown.details.reason, 'unknown_admin');
    assert.equal(unknown.details.username, 'mallory');

    await adminLoginFrom(service, '192.0.2.1', 'x'.repeat(300), 'wrong');
    assert.equal((await lastFailure()).details.username, 'x'.repeat(128));

    // The name is the one the lockout counts: any letter case, spaces around it.
    await adminLoginFrom(service, '192.0.2.1', ' ADMIN ', 'wrong');
    const variant = await lastFailure();
    assert.deepEqual(variant.initiator, { type: 'admin', id: admin.id, name: 'admin' });
    assert.equal(variant.details.reason, 'wrong_password');
  });

  it('records a login refused while locked out as such', async () => {
    for (let i = 0; i < 10; i += 1) await adminLoginFrom(service, '192.0.2.2', 'admin', 'no');
    const locked = await adminLoginFrom(service, '192.0.2.2', 'admin', service.adminPassword);
    assert.equal(locked.status, 429);
    const event = await lastFailure();
    assert.equal(event.details.reason, 'locked_out');
    assert.equal(event.initiator.name, 'admin');
  });
});

describe('admin login limits per address', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.dispose());

  it('refuses an address after thirty failures for as many usernames', async () => {
    for (let i = 1; i <= 30; i += 1) {
      const res = await adminLoginFrom(service, '203.0.113.7', `name${i}`, 'wrong');
      assert.equal(res.status, 401);
    }
    const blocked = await adminLoginFrom(service, '203.0.113.7', 'admin',
      service.adminPassword);
    assert.equal(blocked.status, 429);
    const elsewhere = await adminLoginFrom(service, '203.0.113.8', 'admin',
      service.adminPassword);
    assert.equal(elsewhere.status, 303, 'another address still logs in');
  });
});

describe('console and admin portal sessions', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.dispose());

  it('keeps both signed in with one cookie jar; logging out of one leaves the other',
    async () => {
      const group = await service.ctx.groups.create({ name: 'Staff' }, SYSTEM);
      const person = await makePerson(service, 'sam', [group.id]);
      const agent = request.agent(service.url);
      const adminPage = await agent.get('/admin/login').expect(200);
      await agent.post('/admin/login').type('form').send({ _csrf: csrfOf(adminPage.text),
        username: 'admin', password: service.adminPassword }).expect(303);
      const consolePage = await agent.get('/login').expect(200);
      await agent.post('/login').type('form').send({ _csrf: csrfOf(consolePage.text),
        username: person.username, password: PERSON_PASSWORD, continue: '/' }).expect(303);

      const home = await agent.get('/').expect(200);
      assert.match(home.text, /Signed in as <strong>sam<\/strong>/);
      const users = await agent.get('/admin/users').expect(200);
      assert.match(users.text, /Signed in as <strong>admin<\/strong>/);

      await agent.post('/logout').type('form').send({ _csrf: csrfOf(home.text) })
        .expect(303).expect('location', '/login?loggedOut=1');
      await agent.get('/').expect(303).expect('location', /^\/login/);
      await agent.get('/admin/users').expect(200);

      // The token is read first: the agent attaches its cookies when a request is made.
      const again = await agent.get('/login').expect(200);
      await agent.post('/login').type('form').send({ _csrf: csrfOf(again.text),
        username: person.username, password: PERSON_PASSWORD, continue: '/' }).expect(303);
      await agent.post('/admin/logout').type('form').send({ _csrf: csrfOf(users.text) })
        .expect(303);
      await agent.get('/admin/users').expect(303).expect('location', /^\/admin\/login/);
      await agent.get('/').expect(200);
    });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { LOGIN_FAILED, LOGIN_LOCKED } from '../../src/portal/authenticate.js';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import {
  browser, eventsOf, type IdpFixture, loginToken, makeApp, makeUser, PASSWORD, startIdp,
  visit,
} from './helpers.js';

/** The session cookie a response set, as `name=value`. */
function sessionCookie(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith('idp.sid='));
}

describe('login page, sessions and throttling', () => {
  let idp: IdpFixture;

  before(async () => {
    idp = await startIdp();
  });
  after(() => idp.service.dispose());

  /** Logs in from a fresh browser that has read the login page (and its CSRF token). */
  const login = async (username: string, password: string, continueTo = '/') => {
    const agent = browser(idp);
    const token = await loginToken(agent);
    const res = await agent.post('/login').type('form')
      .send({ username, password, continue: continueTo, _csrf: token });
    return Object.assign(res, { agent });
  };

  it('shows a form with username, password and the continuation', async () => {
    const res = await request(idp.service.url).get('/login?continue=%2Fsaml2%2Fx').expect(200);
    assert.match(res.text, /name="username"/);
    assert.match(res.text, /name="password"/);
    assert.match(res.text, /name="continue" value="\/saml2\/x"/);
  });

  it('gives unknown users, wrong passwords and suspended users the same answer', async () => {
    const suspended = await makeUser(idp, 'sleepy');
    await idp.api('post', `/users/${suspended.id}/suspend`).expect(200);
    const answers = [await login('nobody-here', PASSWORD), await login(idp.user.username,
      'wrong password'), await login('sleepy', PASSWORD)];
    for (const res of answers) {
      assert.equal(res.status, 401);
      assert.ok(res.text.includes(LOGIN_FAILED));
      const home = await res.agent.get('/');
      assert.equal(home.status, 303, 'a failed login signs nobody in');
      assert.match(home.headers.location!, /^\/login/);
    }
    const [first, ...rest] = answers.map((r) => r.text.replace(/value="[^"]*"/g, ''));
    for (const text of rest) assert.equal(text, first);
  });

  it('continues only to local paths', async () => {
    const res = await login(idp.user.username, PASSWORD, 'https://evil.example.com/');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/');
    const slashes = await login(idp.user.username, PASSWORD, '//evil.example.com/');
    assert.equal(slashes.headers.location, '/');
  });

  it('regenerates the session id at login', async () => {
    const app = await makeApp(idp, { spEntityId: 'https://l.example.com',
      acsUrls: ['https://l.example.com/acs'] });
    const agent = browser(idp);
    const start = await agent.get(`/saml2/${app.customValue}`);
    const before_ = sessionCookie(start);
    assert.ok(before_, 'a session holds the pending sign-in');
    const continueTo = new URL(start.headers.location!, 'http://x').searchParams
      .get('continue')!;
    const token = await loginToken(agent);
    const res = await agent.post('/login').type('form')
      .send({ username: idp.user.username, password: PASSWORD, continue: continueTo,
        _csrf: token });
    const after_ = sessionCookie(res);
    assert.ok(after_);
    assert.notEqual(after_, before_);
    assert.match((await agent.get(res.headers.location!)).text, /SAMLResponse/);
  });

  it('logs out', async () => {
    const agent = browser(idp);
    await visit(agent, '/', idp.user);
    const home = await agent.get('/');
    assert.equal(home.status, 200);
    await agent.post('/logout').type('form').send({ _csrf: csrfOf(home.text) }).expect(303);
    const after_ = await agent.get('/');
    assert.equal(after_.status, 303);
    assert.match(after_.headers.location!, /^\/login/);
  });

  it('refuses a login form posted from another site', async () => {
    // With the session's own token, so that only the origin is wrong.
    const agent = browser(idp);
    const token = await loginToken(agent);
    const res = await agent.post('/login').set('Origin', 'https://evil.test').type('form')
      .send({ username: idp.user.username, password: PASSWORD, _csrf: token });
    assert.equal(res.status, 403);
    assert.match(res.text, /sent from another site/);
    assert.equal((await agent.get('/')).status, 303, 'nobody was signed in');
  });

  it('locks a username out after repeated failures, even for the right password',
    async () => {
      const target = await makeUser(idp, 'target');
      for (let i = 0; i < 5; i += 1) {
        assert.equal((await login(target.username, `wrong-${i}`)).status, 401);
      }
      const locked = await login(target.username, PASSWORD);
      assert.equal(locked.status, 429);
      assert.ok(locked.text.includes(LOGIN_LOCKED));
      assert.equal((await locked.agent.get('/')).status, 303, 'still signed out');
      // Other usernames from this address still get in (the address limit is higher).
      assert.equal((await login(idp.user.username, PASSWORD)).status, 303);
      const [event] = await eventsOf(idp, 'user_login_attempt');
      assert.equal(event?.outcome, 'success');
    });

  it('counts failures per account, whether the username or the email was typed',
    async () => {
      const target = await makeUser(idp, 'bob');
      for (let i = 0; i < 5; i += 1) {
        assert.equal((await login(target.email, `wrong-${i}`)).status, 401);
      }
      const byUsername = await login(target.username, PASSWORD);
      assert.equal(byUsername.status, 429, 'the username shares the email\'s lockout');
      assert.equal((await byUsername.agent.get('/')).status, 303, 'still signed out');
      assert.equal((await login('BOB@Example.com ', PASSWORD)).status, 429);
    });

  it('counts failures of unknown names by their lower-case form', async () => {
    for (let i = 0; i < 5; i += 1) {
      assert.equal((await login(i % 2 ? 'Ghost' : 'GHOST', `wrong-${i}`)).status, 401);
    }
    assert.equal((await login('ghost', 'anything')).status, 429);
  });

  /** A browser signed in to the console as `person`, checked to reach the home page. */
  const signedIn = async (person: { username: string }) => {
    const res = await login(person.username, PASSWORD);
    assert.equal(res.status, 303);
    assert.equal((await res.agent.get('/')).status, 200, 'signed in');
    return res.agent;
  };

  it('ends the user\'s console sessions when the API resets the password', async () => {
    const person = await makeUser(idp, 'dora');
    const other = await signedIn(idp.user);
    const [first, second] = [await signedIn(person), await signedIn(person)];
    await idp.api('put', `/users/${person.id}/password`).send({ password: 'a-new-secret' })
      .expect(204);
    for (const agent of [first, second]) {
      const home = await agent.get('/');
      assert.equal(home.status, 303, 'the old session no longer signs in');
      assert.match(home.headers.location!, /^\/login/);
    }
    assert.equal((await other.get('/')).status, 200, 'other users stay signed in');
  });

  it('ends the user\'s console sessions when the admin portal sets a password',
    async () => {
      const person = await makeUser(idp, 'edda');
      const agent = await signedIn(person);
      const admin = await adminAgent(idp.service.url, idp.service.adminPassword);
      const page = await admin.get(`/admin/users/${person.id}`).expect(200);
      await admin.post(`/admin/users/${person.id}/password`).type('form')
        .send({ _csrf: csrfOf(page.text), password: 'a-new-secret' }).expect(303);
      assert.equal((await agent.get('/')).status, 303);
    });

  it('leaves a deleted user no session', async () => {
    const person = await makeUser(idp, 'fritz');
    const agent = await signedIn(person);
    await idp.api('delete', `/users/${person.id}`).expect(204);
    const rows = await idp.service.ctx.db.selectFrom('sessions').select('sid')
      .where('user_id', '=', person.id).execute();
    assert.deepEqual(rows, []);
    assert.equal((await agent.get('/')).status, 303);
  });

  it('keeps sessions across a restart', async () => {
    const res = await login(idp.user.username, PASSWORD);
    const cookie = sessionCookie(res)!;
    idp.service = await idp.service.restart();
    const page = await request(idp.service.url).get('/').set('Cookie', cookie);
    assert.equal(page.status, 200);
    assert.match(page.text, /Signed in as/);
  });
});

// Its own service: the address allowance of the tests above is nearly spent.
describe('lockout across a restart', () => {
  let idp: IdpFixture;

  before(async () => {
    idp = await startIdp();
  });
  after(() => idp.service.dispose());

  const login = async (username: string, password: string) => {
    const agent = browser(idp);
    const token = await loginToken(agent);
    return agent.post('/login').type('form').send({ username, password, _csrf: token });
  };

  it('keeps a lockout across a restart', async () => {
    for (let i = 0; i < 5; i += 1) {
      assert.equal((await login(idp.user.username, `wrong-${i}`)).status, 401);
    }
    idp.service = await idp.service.restart();
    assert.equal((await login(idp.user.username, PASSWORD)).status, 429);
  });
});

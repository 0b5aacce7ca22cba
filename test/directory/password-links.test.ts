import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { csrfOf } from '../support/admin-agent.js';
import { SYSTEM } from '../../src/insights/events.js';
import { startTestService, type TestService } from '../support/service.js';

/** The token of a set-password link. */
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

/** Opens the link in a fresh browser session and submits the form with `password`. */
async function useLink(service: TestService, url: string, password: string,
  confirm = password) {
  const agent = request.agent(service.url);
  const page = await agent.get(new URL(url).pathname + new URL(url).search);
  if (page.status !== 200) return page;
  return agent.post('/set-password').type('form').send({ _csrf: csrfOf(page.text),
    token: tokenOf(url), password, confirm });
}

/** Whether the console's login accepts the password (it redirects on success). */
async function signsIn(service: TestService, username: string, password: string) {
  const agent = request.agent(service.url);
  const login = await agent.get('/login').expect(200);
  const res = await agent.post('/login').type('form')
    .send({ _csrf: csrfOf(login.text), username, password });
  return res.status === 303;
}

const api = (service: TestService) => ({
  post: (path: string) => request(service.url).post(`/api/v1${path}`)
    .set('x-api-key', service.apiKey).send({}),
});

describe('set-password links', () => {
  let service: TestService;
  let userId: string;

  before(async () => {
    service = await startTestService();
    userId = (await service.ctx.users.create({ username: 'imported.ida',
      email: 'ida@example.com' }, SYSTEM)).id;
  });
  after(() => service.dispose());

  it('are made by the admin API, stored only as a hash, and recorded', async () => {
    const res = await api(service).post(`/users/${userId}/password-link`).expect(201);
    assert.match(res.body.url, new RegExp(`^${service.url}/set-password\\?token=[\\w-]{43}$`));
    assert.ok(Date.parse(res.body.expiresAt) > Date.now() + 71 * 3600 * 1000);
    assert.equal(res.headers['cache-control'], 'no-store');
    const rows = await service.ctx.db.selectFrom('password_links').selectAll()
      .where('user_id', '=', userId).execute();
    assert.equal(rows.length, 1);
    assert.doesNotMatch(JSON.stringify(rows), new RegExp(tokenOf(res.body.url)));
    const events = await service.ctx.db.selectFrom('events').select(['type', 'details'])
      .where('type', '=', 'user_password_link_create').where('user_id', '=', userId)
      .execute();
    assert.equal(events.length, 1);
    assert.doesNotMatch(JSON.stringify(events), new RegExp(tokenOf(res.body.url)));
    await api(service).post('/users/nobody/password-link').expect(404);
  });

  it('set the password once; the same link is then refused', async () => {
    const { url } = (await api(service).post(`/users/${userId}/password-link`)
      .expect(201)).body;
    const mismatch = await useLink(service, url, 'first-Password-1', 'something-else');
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.text, /The two passwords differ/);
    const done = await useLink(service, url, 'first-Password-1');
    assert.equal(done.status, 200);
    assert.match(done.text, /The password of <strong>imported\.ida<\/strong> is set/);
    assert.equal(await signsIn(service, 'imported.ida', 'first-Password-1'), true);

    const again = await useLink(service, url, 'second-Password-2');
    assert.equal(again.status, 410);
    assert.match(again.text, /has been used already/);
    assert.equal(await signsIn(service, 'imported.ida', 'first-Password-1'), true);
    assert.equal(await signsIn(service, 'imported.ida', 'second-Password-2'), false);
    const types = (await service.ctx.db.selectFrom('events').select('type')
      .where('user_id', '=', userId).execute()).map((e) => e.type);
    assert.equal(types.filter((t) => t === 'user_password_link_use').length, 1);
    assert.equal(types.filter((t) => t === 'user_password_set').length, 1);
  });

  it('refuse an expired link, and a post without the page\'s CSRF token', async () => {
    const { url } = (await api(service).post(`/users/${userId}/password-link`)
      .expect(201)).body;
    const forged = await request(service.url).post('/set-password').type('form')
      .send({ token: tokenOf(url), password: 'forged-Password-3', confirm: 'forged-Password-3' });
    assert.equal(forged.status, 403);
    // Three days later, as far as the link is concerned.
    await service.ctx.db.updateTable('password_links')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('user_id', '=', userId).where('used_at', 'is', null).execute();
    const expired = await request(service.url).get(new URL(url).pathname + new URL(url).search);
    assert.equal(expired.status, 410);
    assert.match(expired.text, /has expired/);
    assert.equal(await signsIn(service, 'imported.ida', 'forged-Password-3'), false);
  });

  it('refuse an unknown token, and leave only the newest link working', async () => {
    const unknown = await request(service.url).get('/set-password?token=not-a-real-token');
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /not valid/);
    const older = (await api(service).post(`/users/${userId}/password-link`)).body.url;
    const newer = (await api(service).post(`/users/${userId}/password-link`)).body.url;
    assert.equal((await useLink(service, older, 'older-Password-4')).status, 404);
    assert.equal((await useLink(service, newer, 'newer-Password-5')).status, 200);
  });
});

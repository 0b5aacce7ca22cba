import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { adminClient, assertError, createGroup, createUser } from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Every admin API route, with real ids filled in, and whether it takes a body. */
function routes(userId: string, groupId: string, keyId: string):
  { method: Method; path: string; body: boolean }[] {
  const route = (method: Method, path: string, body = false) => ({ method, path, body });
  return [
    route('get', '/users'), route('post', '/users', true), route('get', `/users/${userId}`),
    route('patch', `/users/${userId}`, true), route('delete', `/users/${userId}`),
    route('post', `/users/${userId}/suspend`), route('post', `/users/${userId}/activate`),
    route('put', `/users/${userId}/password`, true), route('get', `/users/${userId}/groups`),
    route('get', '/groups'), route('post', '/groups', true), route('get', `/groups/${groupId}`),
    route('patch', `/groups/${groupId}`, true), route('delete', `/groups/${groupId}`),
    route('get', `/groups/${groupId}/members`),
    route('put', `/groups/${groupId}/members/${userId}`),
    route('delete', `/groups/${groupId}/members/${userId}`),
    route('get', '/events'), route('get', '/api-keys'), route('post', '/api-keys', true),
    route('delete', `/api-keys/${keyId}`),
  ];
}

describe('admin API: one error shape on every route', () => {
  let service: TestService;
  let table: ReturnType<typeof routes>;
  before(async () => {
    service = await startTestService();
    const api = adminClient(service);
    const user = await createUser(api);
    const group = await createGroup(api);
    const key = await api.post('/api-keys').send({ name: 'spare' }).expect(201);
    table = routes(user.id, group.id, key.body.id);
  });
  after(() => service.dispose());

  it('answers 401 without a key and with a wrong key, changing nothing', async () => {
    for (const { method, path } of table) {
      assertError(await request(service.url)[method](`/api/v1${path}`), 401, 'unauthorized');
      assertError(await adminClient(service, 'idp_not-a-key')[method](path), 401,
        'unauthorized');
    }
    await adminClient(service).get(table[2]!.path).expect(200);
  });

  it('answers malformed JSON with 400 and an oversized body with 413 on every body route',
    async () => {
      const api = adminClient(service);
      for (const { method, path } of table.filter((r) => r.body)) {
        assertError(await api[method](path).set('content-type', 'application/json')
          .send('{"name":'), 400, 'invalid_json');
        assertError(await api[method](path).send({ name: 'x'.repeat(300 * 1024) }), 413,
          'payload_too_large');
        assertError(await api[method](path).set('content-type', 'text/plain').send('name=x'),
          415, 'unsupported_media_type');
      }
    });

  it('answers a JSON body that is not an object with 400, changing nothing', async () => {
    const api = adminClient(service);
    const before_ = (await api.get('/users').expect(200)).body.total;
    for (const { method, path } of table.filter((r) => r.body)) {
      for (const body of ['null', '42', '"text"', '[]']) {
        const res = await api[method](path).set('content-type', 'application/json')
          .send(body);
        assertError(res, 400, 'invalid_request');
        assert.equal(res.body.error.message, 'The request body must be a JSON object');
      }
    }
    assert.equal((await api.get('/users').expect(200)).body.total, before_);
  });

  it('answers 404 for unknown ids on every route that names one', async () => {
    const api = adminClient(service);
    const unknown = routes('no-such-user', 'no-such-group', 'no-such-key')
      .filter((r) => r.path.includes('no-such'));
    const bodies: Record<string, object> = {
      [`/users/no-such-user`]: { department: 'x' },
      [`/users/no-such-user/password`]: { password: 'long enough pw' },
      [`/groups/no-such-group`]: { name: 'x' },
    };
    for (const { method, path } of unknown) {
      assertError(await api[method](path).send(bodies[path] ?? {}), 404, 'not_found');
    }
  });

  it('answers 405 with an Allow header for a known path and a method it lacks', async () => {
    const api = adminClient(service);
    const user = table[2]!.path;
    const cases: [Method, string, string][] = [
      ['delete', '/users', 'GET, HEAD, POST'],
      ['put', user, 'DELETE, GET, HEAD, PATCH'],
      ['get', `${user}/suspend`, 'POST'],
      ['post', '/events', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await api[method](path).send({});
      assertError(res, 405, 'method_not_allowed');
      assert.equal(res.headers.allow, allow, `${method} ${path}`);
    }
    const unknown = await api.get('/no-such-route?x=1');
    assertError(unknown, 404, 'not_found');
    assert.equal(unknown.body.error.message, 'No route for GET /api/v1/no-such-route');
  });
});

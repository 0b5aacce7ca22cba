import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { adminClient, createUser, userInput } from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

const PASSWORD = 'Pw-never-logged-7f3a91';
const NEW_PASSWORD = 'Pw-never-logged-b02c44';
const BEARER = 'bearer-token-never-logged-5d8e';
const WRONG_KEY = 'idp_wrong-key-never-logged-0a1b';

describe('no secret reaches a log line', () => {
  let service: TestService;
  let secrets: string[];
  before(async () => {
    service = await startTestService({ LOG_LEVEL: 'trace' });
    const api = adminClient(service);
    const created = await api.post('/api-keys').send({ name: 'logged?' }).expect(201);
    secrets = [PASSWORD, NEW_PASSWORD, BEARER, WRONG_KEY, service.apiKey, created.body.key,
      service.adminPassword];

    const user = await createUser(api, { password: PASSWORD });
    await api.put(`/users/${user.id}/password`).send({ password: NEW_PASSWORD }).expect(204);
    await api.put(`/users/${user.id}/password`).set('authorization', `Bearer ${BEARER}`)
      .send({ password: NEW_PASSWORD }).expect(204);
    await api.post('/users').set('content-type', 'application/json')
      .send(`{"password": "${PASSWORD}",`).expect(400);
    await api.post('/users').send(userInput({ password: PASSWORD, username: 'bad name' }))
      .expect(400);
    await adminClient(service, WRONG_KEY).post('/users').send({ password: PASSWORD })
      .expect(401);
    await request(service.url).get(`/api/v1/users?token=${BEARER}&api_key=${WRONG_KEY}`)
      .set('authorization', `Bearer ${BEARER}`).expect(401);
    await request(service.url).get(`/healthz?password=${PASSWORD}`).expect(200);
    await adminClient(service, created.body.key).get('/users').expect(200);
  });
  after(() => service.dispose());

  it('logged the requests, one line each with a request id', () => {
    const requests = service.log.lines.map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === 'request');
    assert.ok(requests.length >= 9, `only ${requests.length} request lines`);
    for (const entry of requests) {
      assert.equal(entry.category, 'http');
      assert.equal(typeof entry.reqId, 'string');
    }
  });

  it('holds no password, API key or bearer token in any line', () => {
    assert.ok(service.log.lines.length > 0);
    for (const line of service.log.lines) {
      for (const secret of secrets) assert.ok(!line.includes(secret), `leaked in: ${line}`);
    }
  });

  it('redacts secret fields a module passes to the logger by mistake', () => {
    const before = service.log.lines.length;
    service.ctx.logger.child({ category: 'test' }).warn({
      password: PASSWORD, apiKey: WRONG_KEY, user: { password: PASSWORD, token: BEARER },
      headers: { authorization: `Bearer ${BEARER}`, 'x-api-key': WRONG_KEY },
    }, 'a careless line');
    const added = service.log.lines.slice(before);
    assert.equal(added.length, 1);
    for (const secret of secrets) assert.ok(!added[0]!.includes(secret), added[0]);
    assert.match(added[0]!, /\[redacted\]/);
  });
});

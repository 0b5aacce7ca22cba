import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStrictScimServer, type StrictScimServer } from '../support/scim-strict/index.js';
import {
  eqFilter, ERROR_SCHEMA, groupPayload, patchOps, scimClient, userPayload, type ScimClient,
} from './client.js';

describe('strict SCIM server harness', () => {
  let strict: StrictScimServer;
  let scim: ScimClient;
  before(async () => {
    strict = await startStrictScimServer();
    scim = scimClient(strict, strict.token);
  });
  after(() => strict.stop());

  it('refuses a request without the bearer token', async () => {
    const res = await scimClient(strict, 'wrong').get('/Users');
    assert.equal(res.status, 401);
    assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
  });

  it('accepts a well-formed user and stores it', async () => {
    const res = await scim.post('/Users', userPayload('ada@example.com'));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(strict.users().find((u) => u.id === res.body.id)?.userName, 'ada@example.com');
  });

  it('rejects a malformed payload and stores nothing', async () => {
    const count = strict.users().length;
    const malformed = [
      userPayload('bool@example.com', { active: 'true' }),
      userPayload('name@example.com', { name: 'Ada Lovelace' }),
      { schemas: userPayload('x').schemas, displayName: 'no userName' },
    ];
    for (const body of malformed) {
      const res = await scim.post('/Users', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
    }
    assert.equal(strict.users().length, count);
  });

  it('rejects a malformed PATCH and accepts a correct one', async () => {
    const { body } = await scim.post('/Users', userPayload('patch@example.com'));
    const bad = await scim.patch(`/Users/${body.id}`,
      patchOps({ op: 'deactivate', path: 'active', value: false }));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidSyntax');
    const good = await scim.patch(`/Users/${body.id}`,
      patchOps({ op: 'replace', path: 'active', value: false }));
    assert.equal(good.status, 200);
    assert.equal(strict.users().find((u) => u.id === body.id)?.active, false);
  });

  it('answers 409 uniqueness for a userName in another letter case, and finds it', async () => {
    const { body } = await scim.post('/Users', userPayload('Case@Example.com'));
    assert.equal((await scim.post('/Users', userPayload('case@example.COM'))).status, 409);
    const found = await scim.get(`/Users${eqFilter('userName', 'CASE@example.com')}`);
    assert.deepEqual(found.body.Resources.map((r: { id: string }) => r.id), [body.id]);
  });

  it('pages by startIndex and count', async () => {
    for (let i = 0; i < 5; i += 1) await scim.post('/Users', userPayload(`p${i}@example.com`));
    const res = await scim.get('/Users?startIndex=2&count=2');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.Resources.length, 2);
    assert.equal(res.body.startIndex, 2);
    assert.equal(res.body.totalResults, strict.users().length);
  });

  it('keeps groups and records the requests it answered', async () => {
    const user = strict.users()[0]!;
    const res = await scim.post('/Groups', groupPayload('Team', [user.id]));
    assert.equal(res.status, 201);
    assert.equal(strict.groups()[0]?.displayName, 'Team');
    const last = strict.requests.at(-1)!;
    assert.deepEqual([last.method, last.path, last.status], ['POST', '/Groups', 201]);
  });
});

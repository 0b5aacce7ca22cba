import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AdminClient, adminClient, assertError } from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

describe('admin API: API keys', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
  });
  after(() => service.dispose());

  it('lists keys with name and prefix only, never the key or its hash', async () => {
    const res = await api.get('/api-keys').expect(200);
    assert.equal(res.body.items.length, 1);
    assert.equal(res.body.items[0].name, 'first-start key');
    assert.ok(service.apiKey.startsWith(res.body.items[0].prefix));
    assert.ok(!res.text.includes(service.apiKey));
    const row = await service.ctx.db.selectFrom('api_keys').selectAll().executeTakeFirstOrThrow();
    assert.ok(!res.text.includes(row.key_hash));
    assert.notEqual(row.key_hash, service.apiKey);
  });

  it('creates a key shown once, stored hashed, that authenticates', async () => {
    const res = await api.post('/api-keys').send({ name: 'deploy bot' }).expect(201);
    assert.match(res.body.key, /^idp_/);
    const rows = await service.ctx.db.selectFrom('api_keys').select('key_hash').execute();
    assert.ok(rows.every((r) => r.key_hash !== res.body.key));
    await adminClient(service, res.body.key).get('/users').expect(200);
    const list = await api.get('/api-keys').expect(200);
    assert.ok(!list.text.includes(res.body.key));
  });

  it('refuses a key without a name with 400', async () => {
    assertError(await api.post('/api-keys').send({}), 400, 'invalid_request');
    assertError(await api.post('/api-keys').send({ name: '' }), 400, 'invalid_request');
  });

  it('revokes a key (204): it stops authenticating at once', async () => {
    const { body } = await api.post('/api-keys').send({ name: 'short-lived' }).expect(201);
    const other = adminClient(service, body.key);
    await other.get('/users').expect(200);
    await api.delete(`/api-keys/${body.id}`).expect(204);
    assertError(await other.get('/users'), 401, 'unauthorized');
    const list = await api.get('/api-keys').expect(200);
    const revoked = list.body.items.find((k: { id: string }) => k.id === body.id);
    assert.ok(revoked.revokedAt);
  });

  it('answers 404 for revoking an unknown key', async () => {
    assertError(await api.delete('/api-keys/no-such-id'), 404, 'not_found');
  });
});

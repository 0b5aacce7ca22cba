import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { adminAgent } from '../support/admin-agent.js';
import { runAdminCommand } from '../support/process.js';
import { startTestService, type TestService } from '../support/service.js';

describe('operator commands for lost administrator credentials', () => {
  let service: TestService;
  let env: Record<string, string>;
  before(async () => {
    service = await startTestService();
    env = { DATA_DIR: service.dataDir, CERTS_DIR: join(service.dataDir, 'certs') };
  });
  after(() => service?.dispose());

  it('new-api-key prints a key the admin API accepts', async () => {
    const result = await runAdminCommand(['new-api-key', 'admin'], env);
    assert.equal(result.code, 0, result.stderr);
    const key = /(idp_\S+)/.exec(result.stdout)?.[1];
    assert.ok(key, result.stdout);
    assert.notEqual(key, service.apiKey);
    await request(service.url).get('/api/v1/users').set('x-api-key', key).expect(200);
    const events = await request(service.url).get('/api/v1/events?type=api_key_create')
      .set('x-api-key', key).expect(200);
    const made = (events.body.events as { initiator: { type: string };
      resource: { name: string } }[]).find((e) => e.resource.name === 'command-line key');
    assert.equal(made?.initiator.type, 'system', 'made by an operator, as a reset is');
  });

  it('reset-password prints a new password that replaces the old one', async () => {
    const portal = await adminAgent(service.url, service.adminPassword);
    await portal.get('/admin/users').expect(200);
    const result = await runAdminCommand(['reset-password', 'admin'], env);
    assert.equal(result.code, 0, result.stderr);
    const password = /: (\S+)\n$/.exec(result.stdout)?.[1];
    assert.ok(password, result.stdout);
    assert.ok(await service.ctx.admins.verifyLogin('admin', password));
    assert.equal(await service.ctx.admins.verifyLogin('admin', service.adminPassword), null);
    // The portal session opened with the old password is over.
    await portal.get('/admin/users').expect(303).expect('location', /\/admin\/login/);
  });

  it('refuses an unknown administrator and a wrong command line', async () => {
    const unknown = await runAdminCommand(['reset-password', 'nobody'], env);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /no administrator is named "nobody"/);
    const wrong = await runAdminCommand(['rotate', 'admin'], env);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^usage: npm run admin -- reset-password <name>/);
  });
});

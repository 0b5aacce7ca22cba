import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { AppContext } from '../../src/context.js';
import { SYSTEM } from '../../src/insights/events.js';
import { startStrictScimServer, type StrictScimServer } from '../support/scim-strict/index.js';
import { startTestService, type TestService } from '../support/service.js';
import { FAST_QUOTA, FAST_RETRIES, settledIn } from './support.js';

/*
 * The client against an independent, strict SCIM server (scimmy), with a connector that
 * supports everything (reactivation, user and group deletion): no payload may be refused.
 */
describe('a custom SCIM application on a strict server', () => {
  let strict: StrictScimServer;
  let service: TestService;
  let ctx: AppContext;
  let appId: string;
  let group: string;

  const api = (method: 'put' | 'post', path: string, body?: object) =>
    request(service.url)[method](`/api/v1/applications/${appId}/identity-management${path}`)
      .set('x-api-key', service.apiKey).send(body);
  const account = (userName: string) =>
    strict.users().find((u) => u.userName === userName) as Record<string, unknown> | undefined;
  const idle = () => settledIn(ctx.db, appId);

  before(async () => {
    strict = await startStrictScimServer();
    service = await startTestService(FAST_RETRIES);
    ctx = service.ctx;
    appId = (await ctx.applications.create('custom-saml', {}, SYSTEM)).id;
    group = (await ctx.groups.create({ name: 'Engineering' }, SYSTEM)).id;
    await ctx.applications.bind(appId, group, SYSTEM);
    await ctx.users.create({ username: 'ada@example.com', email: 'ada@example.com',
      firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Analyst', department: 'Research',
      preferredLanguage: 'en', displayName: 'Ada L.' }, SYSTEM, [group]);
    await api('put', '', { baseUrl: strict.baseUrl, token: strict.token, rateProfile: 'custom',
      ...FAST_QUOTA, manageGroups: true }).expect(200);
    await api('post', '/activate').expect(200);
    await idle();
  });
  after(async () => {
    await service.dispose();
    await strict.stop();
  });

  it('creates users and groups the strict server accepts', () => {
    const ada = account('ada@example.com');
    assert.equal(ada?.active, true);
    assert.deepEqual(ada?.name, { givenName: 'Ada', familyName: 'Lovelace',
      formatted: 'Ada Lovelace' });
    const engineering = strict.groups().find((g) => g.displayName === 'Engineering');
    assert.deepEqual((engineering?.members as { value: string }[]).map((m) => m.value),
      [ada?.id]);
  });

  it('updates, deactivates, reactivates and deletes a user', async () => {
    const user = await ctx.users.findByLogin('ada@example.com');
    await ctx.users.update(user!.id, { firstName: 'Augusta' }, SYSTEM);
    await idle();
    assert.equal((account('ada@example.com')?.name as { givenName: string }).givenName,
      'Augusta');
    await ctx.users.setStatus(user!.id, 'suspended', SYSTEM);
    await idle();
    assert.equal(account('ada@example.com')?.active, false);
    await ctx.users.setStatus(user!.id, 'active', SYSTEM);
    await idle();
    assert.equal(account('ada@example.com')?.active, true, 'this connector reactivates');
    await ctx.users.delete(user!.id, SYSTEM);
    await idle();
    assert.equal(account('ada@example.com'), undefined, 'this connector deletes');
  });

  it('renames, changes members and deletes a group', async () => {
    const grace = await ctx.users.create({ username: 'grace@example.com',
      email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' }, SYSTEM, [group]);
    await ctx.groups.update(group, { name: 'R&D' }, SYSTEM);
    await idle();
    const renamed = strict.groups().find((g) => g.displayName === 'R&D');
    assert.deepEqual((renamed?.members as { value: string }[]).map((m) => m.value),
      [account('grace@example.com')?.id]);
    await ctx.groups.delete(group, SYSTEM);
    await idle();
    assert.deepEqual(strict.groups(), []);
    assert.equal(account(grace.username)?.active, false,
      'no group gives it the application: deactivated, not deleted (still in the directory)');
  });

  it('sent nothing the strict server refused', () => {
    const refused = strict.requests.filter((r) => r.status >= 400);
    assert.deepEqual(refused.map((r) => [r.method, r.path, r.status, r.body]), []);
  });
});

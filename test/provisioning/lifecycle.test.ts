import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activate, boundGroup, eventsOf, makeUser, type Setup, settled, setUp, spUser }
  from './support.js';

describe('integration lifecycle', () => {
  let setup: Setup;
  before(async () => {
    setup = await setUp();
  });
  after(() => setup.dispose());

  it('shows only the last four characters of the token, never the token', async () => {
    const res = await setup.api('get', '').expect(200);
    assert.equal(res.body.tokenLastFour, setup.sp.token.slice(-4));
    assert.equal(res.body.tokenSet, true);
    assert.equal(res.body.status, 'inactive');
    assert.ok(!JSON.stringify(res.body).includes(setup.sp.token));
    const stored = await setup.service.ctx.db.selectFrom('idm_integrations')
      .select('token_encrypted').executeTakeFirstOrThrow();
    assert.ok(!stored.token_encrypted!.includes(setup.sp.token));
  });

  it('activates after a real SCIM call and provisions the members of bound groups', async () => {
    const group = await boundGroup(setup);
    const member = await makeUser(setup, [group]);
    const outsider = await makeUser(setup);
    await activate(setup);
    await settled(setup);
    const account = spUser(setup.sp, member.username);
    assert.ok(account, 'the member has an account');
    assert.equal(account.active, true);
    assert.equal(account.name?.givenName, member.firstName);
    assert.equal(spUser(setup.sp, outsider.username), undefined);
    const activations = await eventsOf(setup, 'idm_integration_activate');
    assert.equal(activations.at(-1)?.outcome, 'success');
    const res = await setup.api('get', '/users').expect(200);
    assert.deepEqual(res.body.items.map((u: { username: string; state: string }) =>
      [u.username, u.state]), [[member.username, 'provisioned']]);
  });

  it('refuses a token change while active, saying how to change it', async () => {
    const res = await setup.api('put', '/token', { token: 'another-token-1234' }).expect(409);
    assert.equal(res.body.error.code, 'token_change_requires_deactivation');
    assert.match(res.body.error.message, /deactivate.*update the token.*activate it again/);
    const reauth = await eventsOf(setup, 'idm_integration_reauth');
    assert.equal(reauth.at(-1)?.outcome, 'failure');
  });

  it('stops provisioning on deactivation, and takes a new token while inactive', async () => {
    await setup.api('post', '/deactivate').expect(200);
    const group = await boundGroup(setup);
    const late = await makeUser(setup, [group]);
    await setup.api('put', '/token', { token: 'new-token-abcd' }).expect(200);
    const view = await setup.api('get', '').expect(200);
    assert.equal(view.body.tokenLastFour, 'abcd');
    assert.equal(view.body.status, 'inactive');
    assert.equal(spUser(setup.sp, late.username), undefined);
    assert.equal((await eventsOf(setup, 'idm_integration_delete')).at(-1)?.outcome, 'success');
    const operations = await setup.service.ctx.db.selectFrom('idm_operations').selectAll()
      .where('application_id', '=', setup.appId).execute();
    assert.deepEqual(operations, []);
  });

  it('reactivation reconciles: the change made while inactive is delivered', async () => {
    await setup.api('put', '/token', { token: setup.sp.token }).expect(200);
    await setup.api('post', '/activate').expect(200);
    await settled(setup);
    const res = await setup.api('get', '/users').expect(200);
    assert.ok(res.body.items.length >= 2);
    assert.ok(res.body.items.every((u: { state: string }) => u.state === 'provisioned'));
    for (const item of res.body.items) {
      assert.equal(spUser(setup.sp, item.username)?.active, true);
    }
  });

  it('"sync now" brings back an attribute changed in the application', async () => {
    const [item] = (await setup.api('get', '/users').expect(200)).body.items;
    const account = spUser(setup.sp, item.username)!;
    await fetch(`${setup.sp.baseUrl}/Users/${account.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${setup.sp.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'title', value: 'Changed by hand' }] }),
    });
    assert.equal(spUser(setup.sp, item.username)?.title, 'Changed by hand');
    await setup.api('post', '/sync').expect(202);
    await settled(setup);
    assert.equal(spUser(setup.sp, item.username)?.title, undefined);
  });

  it('refuses bad settings with a clear error, changing nothing', async () => {
    await setup.api('post', '/deactivate').expect(200);
    const unknown = await setup.api('put', '', { rateProfile: 'gold' }).expect(400);
    assert.match(unknown.body.error.message, /Unknown rate profile "gold"/);
    await setup.api('put', '', { concurrentReads: 0 }).expect(400);
    const asana = await setup.api('put', '', { rateProfile: 'asana-free' }).expect(200);
    assert.deepEqual([asana.body.requestsPerMinute, asana.body.concurrentReads,
      asana.body.concurrentWrites], [150, 50, 15]);
    const partial = await setup.api('put', '', { requestsPerMinute: 10 }).expect(400);
    assert.match(partial.body.error.message, /rateProfile "custom"/);
    const view = await setup.api('get', '').expect(200);
    assert.equal(view.body.requestsPerMinute, 150);
    await setup.api('post', '/deactivate').expect(409);
  });

  it('never writes the token to a log line', () => {
    assert.ok(!setup.service.log.text.includes(setup.sp.token));
  });
});


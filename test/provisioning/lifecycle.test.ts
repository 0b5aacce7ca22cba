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
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { activate, boundGroup, makeUser, settled, setUp, type Setup } from './support.js';

/*
 * A custom SAML application whose SCIM settings point at the test service provider in
 * its generic dialect, as README suggests for trying such an application on a laptop:
 * everything the connector sends is accepted, nothing is parked as failed.
 */
describe('a custom SAML application on the generic test service provider', () => {
  let setup: Setup;
  let main: string;
  let extra: string;
  let userId: string;

  const account = (userName: string) => setup.sp.users().find((u) => u.userName === userName);
  const failedOperations = () => setup.service.ctx.db.selectFrom('idm_operations')
    .select(['kind', 'last_error']).where('application_id', '=', setup.appId)
    .where('status', '=', 'failed').execute();

  before(async () => {
    setup = await setUp({ connector: 'custom-saml', sp: { dialect: 'generic' },
      manageGroups: true });
    main = await boundGroup(setup, 'Engineering');
    extra = await boundGroup(setup, 'Guild');
    userId = (await makeUser(setup, [main, extra], { username: 'ada@example.com',
      firstName: 'Ada', lastName: 'Lovelace' })).id;
    await activate(setup);
    await settled(setup);
  });
  after(() => setup.dispose());

  it('updates name parts, reactivates a user and deletes a group', async () => {
    const { users, groups } = setup.service.ctx;
    await users.update(userId, { firstName: 'Augusta' }, SYSTEM);
    await settled(setup);
    assert.equal(account('ada@example.com')?.name?.givenName, 'Augusta');
    await users.setStatus(userId, 'suspended', SYSTEM);
    await settled(setup);
    assert.equal(account('ada@example.com')?.active, false);
    await users.setStatus(userId, 'active', SYSTEM);
    await settled(setup);
    assert.equal(account('ada@example.com')?.active, true);
    await groups.delete(extra, SYSTEM);
    await settled(setup);
    assert.deepEqual(setup.sp.groups().map((g) => g.displayName), ['Engineering']);
    assert.deepEqual(await failedOperations(), []);
  });

  it('got no request refused', () => {
    const refused = setup.sp.requests.filter((r) => r.status >= 400);
    assert.deepEqual(refused.map((r) => [r.method, r.path, r.status]), []);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import {
  activate, boundGroup, makeUser, type Setup, settled, setUp, spUser,
} from './support.js';

describe('attribute mappings', () => {
  let setup: Setup;
  let group: string;
  before(async () => {
    setup = await setUp();
    group = await boundGroup(setup);
    await activate(setup);
    await settled(setup);
  });
  after(() => setup.dispose());

  it('lists the user and group mappings, required ones marked', async () => {
    const res = await setup.api('get', '/attribute-mappings').expect(200);
    assert.deepEqual(res.body.user.map((m: { scim: string }) => m.scim), ['userName',
      'name.givenName', 'name.familyName', 'name.formatted', 'emails', 'active', 'title',
      'preferredLanguage', 'department', 'displayName']);
    assert.deepEqual(res.body.user.filter((m: { required: boolean }) => m.required)
      .map((m: { scim: string }) => m.scim), ['userName', 'emails', 'active']);
    assert.deepEqual(res.body.group, [{ scim: 'displayName', source: 'name', required: true,
      included: true }]);
  });

  it('refuses to remove a required mapping, or an unknown one, changing nothing', async () => {
    const required = await setup.api('put', '/attribute-mappings', { excluded: ['active'] })
      .expect(400);
    assert.match(required.body.error.message, /Required mappings cannot be removed: active/);
    await setup.api('put', '/attribute-mappings', { excluded: ['shoeSize'] }).expect(400);
    const res = await setup.api('get', '/attribute-mappings').expect(200);
    assert.deepEqual(res.body.excluded, []);
  });

  it('an excluded attribute is neither sent on create nor on change', async () => {
    await setup.api('put', '/attribute-mappings', { excluded: ['title', 'department'] })
      .expect(200);
    const user = await makeUser(setup, [group], { jobTitle: 'Secret title', department: 'X' });
    await settled(setup);
    const account = spUser(setup.sp, user.username)!;
    assert.equal(account.title, undefined);
    assert.equal(account.department, undefined);
    const before = setup.sp.requests.length;
    await setup.service.ctx.users.update(user.id, { jobTitle: 'Another' }, SYSTEM);
    await settled(setup);
    assert.equal(setup.sp.requests.length, before);
  });

  it('restoring the defaults sends the re-included attributes', async () => {
    const res = await setup.api('post', '/attribute-mappings/restore-defaults').expect(200);
    assert.deepEqual(res.body.excluded, []);
    await settled(setup);
    const titled = setup.sp.users().filter((u) => u.title === 'Another');
    assert.equal(titled.length, 1);
    assert.equal(titled[0]!.department, 'X');
  });
});

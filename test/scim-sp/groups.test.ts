import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { eqFilter, groupPayload, patchOps, scimClient, type ScimClient } from './client.js';

describe('test SCIM service provider: Groups', () => {
  let sp: ScimSp;
  let scim: ScimClient;
  let ada: string;
  let bob: string;
  before(async () => {
    sp = await startScimSp();
    scim = scimClient(sp, sp.token);
    ada = sp.seedUser({ userName: 'ada@example.com' }).id;
    bob = sp.seedUser({ userName: 'bob@example.com' }).id;
  });
  after(() => sp.stop());

  const membersOf = (id: string) =>
    sp.groups().find((g) => g.id === id)?.members.map((m) => m.value).sort();

  it('creates a group with members and finds it by displayName eq in any case', async () => {
    const res = await scim.post('/Groups', groupPayload('Engineering', [ada]));
    assert.equal(res.status, 201);
    assert.deepEqual(membersOf(res.body.id), [ada]);
    const found = await scim.get(`/Groups${eqFilter('displayName', 'ENGINEERING')}`);
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].id, res.body.id);
  });

  it('answers 409 uniqueness for a displayName taken in another letter case', async () => {
    await scim.post('/Groups', groupPayload('Design'));
    const res = await scim.post('/Groups', groupPayload('design'));
    assert.equal(res.status, 409);
    assert.equal(res.body.scimType, 'uniqueness');
    assert.equal(sp.groups().filter((g) => g.displayName.toLowerCase() === 'design').length, 1);
  });

  it('adds and removes members incrementally with PATCH', async () => {
    const { body } = await scim.post('/Groups', groupPayload('Ops', [ada]));
    const added = await scim.patch(`/Groups/${body.id}`,
      patchOps({ op: 'ADD', path: 'members', value: [{ value: bob }] }));
    assert.equal(added.status, 200);
    assert.deepEqual(membersOf(body.id), [ada, bob].sort());
    await scim.patch(`/Groups/${body.id}`,
      patchOps({ op: 'remove', path: `members[value eq "${ada}"]` }));
    assert.deepEqual(membersOf(body.id), [bob]);
    await scim.patch(`/Groups/${body.id}`,
      patchOps({ op: 'Remove', path: 'members', value: [{ value: bob }] }));
    assert.deepEqual(membersOf(body.id), []);
  });

  it('renames a group with PATCH replace displayName', async () => {
    const { body } = await scim.post('/Groups', groupPayload('Old name'));
    const res = await scim.patch(`/Groups/${body.id}`,
      patchOps({ op: 'replace', path: 'displayName', value: 'New name' }));
    assert.equal(res.status, 200);
    assert.equal(sp.groups().find((g) => g.id === body.id)?.displayName, 'New name');
  });

  it('refuses an unknown or guest member and changes nothing', async () => {
    const guest = sp.seedUser({ userName: 'visitor@partner.com', guest: true }).id;
    const { body } = await scim.post('/Groups', groupPayload('Strict', [ada]));
    for (const value of ['42', guest]) {
      const res = await scim.patch(`/Groups/${body.id}`,
        patchOps({ op: 'add', path: 'members', value: [{ value }] }));
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, 'invalidValue');
    }
    assert.deepEqual(membersOf(body.id), [ada]);
  });

  it('does not delete a group: 405 and the group stays', async () => {
    const { body } = await scim.post('/Groups', groupPayload('Permanent', [ada]));
    const res = await scim.delete(`/Groups/${body.id}`);
    assert.equal(res.status, 405);
    assert.match(res.body.detail, /not supported/);
    assert.equal(res.headers.get('allow'), 'GET, PUT, PATCH');
    assert.ok(sp.groups().some((g) => g.id === body.id));
  });

  it('lists groups without members when members are excluded', async () => {
    const res = await scim.get('/Groups?excludedAttributes=members');
    assert.ok(res.body.Resources.length > 0);
    assert.ok(res.body.Resources.every((g: object) => !('members' in g)));
  });

  it('seeds a group that SCIM then returns', async () => {
    const seeded = sp.seedGroup({ displayName: 'Seeded', memberIds: [ada, bob] });
    const res = await scim.get(`/Groups/${seeded.id}`);
    assert.equal(res.body.displayName, 'Seeded');
    assert.equal(res.body.members.length, 2);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import {
  ENTERPRISE_SCHEMA, eqFilter, ERROR_SCHEMA, patchOps, scimClient, userPayload,
  type ScimClient,
} from './client.js';

describe('test SCIM service provider: Users', () => {
  let sp: ScimSp;
  let scim: ScimClient;
  before(async () => {
    sp = await startScimSp();
    scim = scimClient(sp, sp.token);
  });
  after(() => sp.stop());

  async function created(userName: string): Promise<string> {
    const res = await scim.post('/Users', userPayload(userName));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }

  describe('bearer token', () => {
    it('refuses a request without a token with 401 in the SCIM error form', async () => {
      const res = await scimClient(sp).get('/Users');
      assert.equal(res.status, 401);
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
      assert.equal(res.body.status, '401');
    });

    it('refuses a wrong token and changes nothing', async () => {
      const before = sp.users().length;
      const res = await scimClient(sp, `${sp.token}x`).post('/Users', userPayload('x@ex.com'));
      assert.equal(res.status, 401);
      assert.equal(sp.users().length, before);
    });

    it('listens under /api/1.0/scim on 127.0.0.1', () => {
      assert.match(sp.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/1\.0\/scim$/);
    });
  });

  describe('create and look up', () => {
    it('creates a user and answers 201 with its id, department in the extension', async () => {
      const res = await scim.post('/Users',
        userPayload('grace@example.com', { [ENTERPRISE_SCHEMA]: { department: 'Navy' } }));
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `${sp.baseUrl}/Users/${res.body.id}`);
      assert.equal(res.body[ENTERPRISE_SCHEMA].department, 'Navy');
      const stored = sp.users().find((u) => u.id === res.body.id);
      assert.equal(stored?.department, 'Navy');
      assert.equal(stored?.active, true);
    });

    it('answers 409 uniqueness for a userName taken in another letter case', async () => {
      await created('Linus@Example.com');
      const count = sp.users().length;
      const res = await scim.post('/Users', userPayload('linus@EXAMPLE.com'));
      assert.equal(res.status, 409);
      assert.equal(res.body.scimType, 'uniqueness');
      assert.equal(sp.users().length, count);
    });

    it('refuses a userName that is not an email address', async () => {
      const res = await scim.post('/Users', userPayload('not-an-email'));
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, 'invalidValue');
    });

    it('refuses active sent as a string instead of a JSON boolean', async () => {
      const res = await scim.post('/Users', userPayload('str@example.com', { active: 'true' }));
      assert.equal(res.status, 400);
      assert.match(res.body.detail, /active must be a JSON boolean/);
      assert.equal(sp.users().some((u) => u.userName === 'str@example.com'), false);
    });

    it('finds a user by userName eq, whatever the letter case', async () => {
      const id = await created('Barbara.Liskov@example.com');
      const res = await scim.get(`/Users${eqFilter('userName', 'barbara.liskov@EXAMPLE.com')}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.totalResults, 1);
      assert.equal(res.body.Resources[0].id, id);
    });

    it('reads a filter value with an escaped quote in it', async () => {
      const id = await created('o"neil@example.com');
      const res = await scim.get(`/Users${eqFilter('userName', 'o"neil@example.com')}`);
      assert.equal(res.body.Resources[0]?.id, id);
    });

    it('refuses every filter other than userName eq with 400 invalidFilter', async () => {
      for (const filter of ['title eq "x"', 'userName co "a"', 'userName eq "a" or active eq true',
        'userName eq']) {
        const res = await scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
        assert.equal(res.status, 400, filter);
        assert.equal(res.body.scimType, 'invalidFilter', filter);
      }
    });
  });

  describe('PATCH in the forms the service accepts', () => {
    it('takes name.formatted, title, department and emails', async () => {
      const id = await created('edsger@example.com');
      const res = await scim.patch(`/Users/${id}`, patchOps(
        { op: 'replace', path: 'name.formatted', value: 'Edsger Dijkstra' },
        { op: 'Replace', path: 'title', value: 'Professor' },
        { op: 'replace', path: `${ENTERPRISE_SCHEMA}:department`, value: 'CS' },
        { op: 'replace', path: 'emails', value: [{ value: 'ewd@example.com', primary: true }] },
      ));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const user = sp.users().find((u) => u.id === id)!;
      assert.equal(user.name?.formatted, 'Edsger Dijkstra');
      assert.equal(user.title, 'Professor');
      assert.equal(user.department, 'CS');
      assert.deepEqual(user.emails, [{ value: 'ewd@example.com', primary: true }]);
    });

    it('takes a path-less replace with a value object', async () => {
      const id = await created('tony@example.com');
      const res = await scim.patch(`/Users/${id}`, patchOps(
        { op: 'replace', value: { displayName: 'Tony', name: { formatted: 'C. A. R. Hoare' } } }));
      assert.equal(res.status, 200);
      assert.equal(sp.users().find((u) => u.id === id)?.displayName, 'Tony');
    });

    it('refuses name.givenName and name.familyName in any form, changing nothing', async () => {
      const id = await created('niklaus@example.com');
      const refused = [
        patchOps({ op: 'replace', path: 'name.givenName', value: 'N' }),
        patchOps({ op: 'replace', path: 'name.familyName', value: 'W' }),
        patchOps({ op: 'replace', path: 'name', value: { givenName: 'N' } }),
        patchOps({ op: 'replace', value: { name: { familyName: 'W' } } }),
        patchOps({ op: 'replace', value: { 'name.givenName': 'N' } }),
      ];
      for (const body of refused) {
        const res = await scim.patch(`/Users/${id}`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.body.detail, /name\.formatted/);
      }
      assert.deepEqual(sp.users().find((u) => u.id === id)?.name,
        { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' });
    });

    it('refuses a body without the PatchOp schema', async () => {
      const id = await created('nopatch@example.com');
      const res = await scim.patch(`/Users/${id}`,
        { Operations: [{ op: 'replace', path: 'title', value: 'x' }] });
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, 'invalidSyntax');
    });

    it('refuses active as a string in a PATCH', async () => {
      const id = await created('strpatch@example.com');
      const res = await scim.patch(`/Users/${id}`,
        patchOps({ op: 'replace', path: 'active', value: 'False' }));
      assert.equal(res.status, 400);
      assert.equal(sp.users().find((u) => u.id === id)?.active, true);
    });

    it('answers 409 when a PATCH renames a user onto a taken userName', async () => {
      await created('taken@example.com');
      const id = await created('renamer@example.com');
      const res = await scim.patch(`/Users/${id}`,
        patchOps({ op: 'replace', path: 'userName', value: 'TAKEN@example.com' }));
      assert.equal(res.status, 409);
    });
  });

  describe('deprovisioning', () => {
    it('DELETE deactivates the user and keeps the account', async () => {
      const id = await created('alan@example.com');
      const res = await scim.delete(`/Users/${id}`);
      assert.equal(res.status, 204);
      assert.equal(sp.users().find((u) => u.id === id)?.active, false);
      const read = await scim.get(`/Users/${id}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.active, false);
    });

    it('PATCH active=false deactivates', async () => {
      const id = await created('deact@example.com');
      const res = await scim.patch(`/Users/${id}`,
        patchOps({ op: 'replace', path: 'active', value: false }));
      assert.equal(res.status, 200);
      assert.equal(res.body.active, false);
    });

    it('refuses reactivation by PATCH and by PUT, and the user stays inactive', async () => {
      const id = await created('react@example.com');
      await scim.delete(`/Users/${id}`);
      const patched = await scim.patch(`/Users/${id}`,
        patchOps({ op: 'replace', path: 'active', value: true }));
      assert.equal(patched.status, 400);
      assert.equal(patched.body.scimType, 'mutability');
      assert.match(patched.body.detail, /reactivation is not supported/);
      const put = await scim.put(`/Users/${id}`, userPayload('react@example.com'));
      assert.equal(put.status, 400);
      assert.equal(sp.users().find((u) => u.id === id)?.active, false);
    });

    it('still takes attribute changes on an inactive user', async () => {
      const id = await created('inactive.edit@example.com');
      await scim.delete(`/Users/${id}`);
      const res = await scim.patch(`/Users/${id}`,
        patchOps({ op: 'replace', path: 'title', value: 'Former' }));
      assert.equal(res.status, 200);
    });

    it('answers 404 for an unknown id', async () => {
      const res = await scim.delete('/Users/999');
      assert.equal(res.status, 404);
      assert.equal(res.body.status, '404');
    });
  });

  describe('guests', () => {
    it('never lists, finds or changes a guest, yet keeps its userName taken', async () => {
      const guest = sp.seedUser({ userName: 'guest@partner.com', guest: true });
      const listed = await scim.get('/Users?count=100');
      assert.equal(listed.body.Resources.some((r: { id: string }) => r.id === guest.id), false);
      const found = await scim.get(`/Users${eqFilter('userName', 'guest@partner.com')}`);
      assert.equal(found.body.totalResults, 0);
      assert.equal((await scim.get(`/Users/${guest.id}`)).status, 404);
      assert.equal((await scim.delete(`/Users/${guest.id}`)).status, 404);
      const patched = await scim.patch(`/Users/${guest.id}`,
        patchOps({ op: 'replace', path: 'title', value: 'x' }));
      assert.equal(patched.status, 404);
      assert.equal((await scim.post('/Users', userPayload('guest@partner.com'))).status, 409);
      assert.deepEqual(sp.users().find((u) => u.id === guest.id),
        { userName: 'guest@partner.com', active: true, id: guest.id, guest: true });
    });
  });

  it('records every request in order with its status and body', async () => {
    const start = sp.requests.length;
    await scim.post('/Users', userPayload('logged@example.com'));
    await scim.get(`/Users${eqFilter('userName', 'logged@example.com')}`);
    const [post, get] = sp.requests.slice(start);
    assert.equal(post?.method, 'POST');
    assert.equal(post?.path, '/Users');
    assert.equal(post?.status, 201);
    assert.equal((post?.body as { userName: string }).userName, 'logged@example.com');
    assert.equal(get?.path, '/Users');
    assert.match(get?.query ?? '', /^filter=userName%20eq%20/);
  });
});

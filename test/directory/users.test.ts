import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { User } from '../../src/directory/users.js';
import {
  type AdminClient, adminClient, assertError, createGroup, createUser, userInput,
} from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

describe('admin API: users', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
  });
  after(() => service.dispose());

  describe('POST /users', () => {
    it('creates a user with every profile property and answers 201 without a hash', async () => {
      const input = userInput({ displayName: 'T. P.', jobTitle: 'Engineer',
        department: 'R&D', preferredLanguage: 'fr-CA', password: 'correct horse' });
      const res = await api.post('/users').send(input).expect(201);
      assert.equal(res.body.username, input.username);
      assert.equal(res.body.jobTitle, 'Engineer');
      assert.equal(res.body.department, 'R&D');
      assert.equal(res.body.preferredLanguage, 'fr-CA');
      assert.equal(res.body.status, 'active');
      assert.equal(res.body.hasPassword, true);
      assert.ok(!res.text.includes('correct horse'));
      assert.ok(!res.text.includes('scrypt'));
      const row = await service.ctx.db.selectFrom('users').selectAll()
        .where('id', '=', res.body.id).executeTakeFirstOrThrow();
      assert.match(row.password_hash ?? '', /^scrypt\$/);
    });

    it('refuses a username taken in another letter case with 409', async () => {
      await createUser(api, { username: 'Grace.Hopper' });
      const res = await api.post('/users').send(userInput({ username: 'grace.HOPPER' }));
      assertError(res, 409, 'duplicate_user');
      assert.deepEqual(Object.keys(res.body.error.details.fields), ['username']);
    });

    it('refuses an email taken in another letter case with 409', async () => {
      await createUser(api, { email: 'Ada@Example.com' });
      const res = await api.post('/users').send(userInput({ email: 'ada@EXAMPLE.COM' }));
      assertError(res, 409, 'duplicate_user');
      assert.deepEqual(Object.keys(res.body.error.details.fields), ['email']);
    });

    it('refuses a username that is another user\'s email, and the reverse', async () => {
      const user = await createUser(api, { username: 'alan@example.com',
        email: 'turing@example.com' });
      const asName = await api.post('/users').send(userInput({ username: 'Turing@Example.com' }));
      assertError(asName, 409, 'duplicate_user');
      const asEmail = await api.post('/users').send(userInput({ email: user.username }));
      assertError(asEmail, 409, 'duplicate_user');
      assert.deepEqual(Object.keys(asEmail.body.error.details.fields), ['email']);
    });

    it('refuses invalid fields with 400 listing each of them, and stores nothing', async () => {
      const before = await api.get('/users').expect(200);
      const res = await api.post('/users')
        .send({ username: 'has space', email: 'not-an-email', password: 'short', extra: 1 });
      assertError(res, 400, 'invalid_request');
      const fields = Object.keys(res.body.error.details.fields);
      for (const field of ['username', 'email', 'password']) assert.ok(fields.includes(field));
      const afterwards = await api.get('/users').expect(200);
      assert.equal(afterwards.body.total, before.body.total);
    });

    it('answers malformed JSON with 400 invalid_json', async () => {
      const res = await api.post('/users').set('content-type', 'application/json')
        .send('{"username": "x",');
      assertError(res, 400, 'invalid_json');
    });

    it('answers a body over MAX_BODY_BYTES with 413', async () => {
      const huge = userInput({ department: 'x'.repeat(300 * 1024) });
      assertError(await api.post('/users').send(huge), 413, 'payload_too_large');
    });

    it('answers a body that is not JSON with 415', async () => {
      const res = await api.post('/users').set('content-type', 'text/plain').send('username=x');
      assertError(res, 415, 'unsupported_media_type');
    });
  });

  describe('authentication', () => {
    it('answers a request without an API key with 401', async () => {
      const res = await request(service.url).get('/api/v1/users');
      assertError(res, 401, 'unauthorized');
    });

    it('answers a wrong API key with 401, before reading any body', async () => {
      const res = await adminClient(service, 'idp_wrong').post('/users').send(userInput());
      assertError(res, 401, 'unauthorized');
    });

    it('answers an unknown API path with 404 in the same shape', async () => {
      assertError(await api.get('/no-such-thing'), 404, 'not_found');
    });
  });

  describe('GET /users', () => {
    let made: User[];
    before(async () => {
      made = [
        await createUser(api, { username: 'zz-list-a', email: 'zz.a@list.test',
          firstName: 'Katherine', lastName: 'Johnson' }),
        await createUser(api, { username: 'zz-list-b', email: 'zz.b@list.test',
          displayName: 'Dorothy V' }),
        await createUser(api, { username: 'zz-list_c', email: 'zz.c@list.test' }),
      ];
    });

    it('filters on the exact username in any letter case', async () => {
      const res = await api.get('/users?username=ZZ-LIST-A').expect(200);
      assert.deepEqual(res.body.items.map((u: User) => u.id), [made[0]!.id]);
      assert.equal(res.body.total, 1);
    });

    it('filters on the exact email in any letter case', async () => {
      const res = await api.get('/users?email=ZZ.B@LIST.TEST').expect(200);
      assert.deepEqual(res.body.items.map((u: User) => u.id), [made[1]!.id]);
    });

    it('filters on part of a first, last or display name', async () => {
      const byLast = await api.get('/users?name=johns').expect(200);
      assert.deepEqual(byLast.body.items.map((u: User) => u.id), [made[0]!.id]);
      const byDisplay = await api.get('/users?name=dorothy').expect(200);
      assert.deepEqual(byDisplay.body.items.map((u: User) => u.id), [made[1]!.id]);
    });

    it('treats LIKE wildcards in a search as plain characters', async () => {
      const res = await api.get('/users?q=zz-list_').expect(200);
      assert.deepEqual(res.body.items.map((u: User) => u.id), [made[2]!.id]);
    });

    it('pages with limit and offset, ordered by username, with the total', async () => {
      const first = await api.get('/users?q=zz-list&limit=1&offset=0').expect(200);
      const second = await api.get('/users?q=zz-list&limit=1&offset=1').expect(200);
      assert.equal(first.body.total, 3);
      assert.equal(first.body.items[0].username, 'zz-list-a');
      assert.equal(second.body.items[0].username, 'zz-list-b');
      assert.equal(second.body.limit, 1);
      assert.equal(second.body.offset, 1);
    });

    it('ignores filters given empty and filters on status', async () => {
      await api.post(`/users/${made[1]!.id}/suspend`).expect(200);
      const res = await api.get('/users?q=zz-list&status=suspended&email=').expect(200);
      assert.deepEqual(res.body.items.map((u: User) => u.id), [made[1]!.id]);
      await api.post(`/users/${made[1]!.id}/activate`).expect(200);
    });

    it('refuses a bad paging or status value with 400', async () => {
      assertError(await api.get('/users?limit=0'), 400, 'invalid_request');
      assertError(await api.get('/users?limit=501'), 400, 'invalid_request');
      assertError(await api.get('/users?offset=-1'), 400, 'invalid_request');
      assertError(await api.get('/users?status=gone'), 400, 'invalid_request');
    });
  });

  describe('GET, PATCH and DELETE /users/:id', () => {
    it('reads a user, and answers 404 for an unknown id', async () => {
      const user = await createUser(api);
      const res = await api.get(`/users/${user.id}`).expect(200);
      assert.equal(res.body.email, user.email);
      assertError(await api.get('/users/no-such-id'), 404, 'not_found');
    });

    it('changes only the given properties', async () => {
      const user = await createUser(api, { jobTitle: 'Analyst' });
      const res = await api.patch(`/users/${user.id}`).send({ department: 'Ops' }).expect(200);
      assert.equal(res.body.department, 'Ops');
      assert.equal(res.body.jobTitle, 'Analyst');
      const read = await api.get(`/users/${user.id}`).expect(200);
      assert.equal(read.body.department, 'Ops');
    });

    it('refuses a rename onto another user\'s name in another case with 409', async () => {
      const taken = await createUser(api);
      const user = await createUser(api);
      const res = await api.patch(`/users/${user.id}`)
        .send({ username: taken.username.toUpperCase() });
      assertError(res, 409, 'duplicate_user');
      const read = await api.get(`/users/${user.id}`).expect(200);
      assert.equal(read.body.username, user.username);
    });

    it('lets a user change the letter case of its own username', async () => {
      const user = await createUser(api);
      const res = await api.patch(`/users/${user.id}`)
        .send({ username: user.username.toUpperCase() }).expect(200);
      assert.equal(res.body.username, user.username.toUpperCase());
    });

    it('refuses unknown or invalid properties with 400, and an unknown id with 404', async () => {
      const user = await createUser(api);
      assertError(await api.patch(`/users/${user.id}`).send({ status: 'suspended' }), 400,
        'invalid_request');
      assertError(await api.patch(`/users/${user.id}`).send({ email: 'nope' }), 400,
        'invalid_request');
      assertError(await api.patch('/users/no-such-id').send({ department: 'x' }), 404,
        'not_found');
    });

    it('deletes a user with its memberships; a second delete is 404', async () => {
      const user = await createUser(api);
      const group = await createGroup(api);
      await api.put(`/groups/${group.id}/members/${user.id}`).expect(204);
      await api.delete(`/users/${user.id}`).expect(204);
      assertError(await api.get(`/users/${user.id}`), 404, 'not_found');
      const rows = await service.ctx.db.selectFrom('group_members').selectAll()
        .where('user_id', '=', user.id).execute();
      assert.equal(rows.length, 0);
      const members = await api.get(`/groups/${group.id}/members`).expect(200);
      assert.equal(members.body.total, 0);
      assertError(await api.delete(`/users/${user.id}`), 404, 'not_found');
    });
  });

  describe('status and password', () => {
    it('suspends and activates a user; 404 for an unknown id', async () => {
      const user = await createUser(api);
      const suspended = await api.post(`/users/${user.id}/suspend`).expect(200);
      assert.equal(suspended.body.status, 'suspended');
      const active = await api.post(`/users/${user.id}/activate`).expect(200);
      assert.equal(active.body.status, 'active');
      assertError(await api.post('/users/no-such-id/suspend'), 404, 'not_found');
      assertError(await api.post('/users/no-such-id/activate'), 404, 'not_found');
    });

    it('sets a password the directory then verifies; refuses a short one', async () => {
      const user = await createUser(api);
      assert.equal(user.hasPassword, false);
      await api.put(`/users/${user.id}/password`).send({ password: 'a long passphrase' })
        .expect(204);
      const row = await service.ctx.users.findByLogin(user.username);
      const { verifyPassword } = await import('../../src/directory/passwords.js');
      assert.equal(await verifyPassword('a long passphrase', row!.password_hash!), true);
      assert.equal((await api.get(`/users/${user.id}`).expect(200)).body.hasPassword, true);
      assertError(await api.put(`/users/${user.id}/password`).send({ password: 'short' }),
        400, 'invalid_request');
      assertError(await api.put('/users/no-such-id/password')
        .send({ password: 'a long passphrase' }), 404, 'not_found');
    });
  });

  describe('GET /users/:id/groups', () => {
    it('lists the user\'s groups; 404 for an unknown user', async () => {
      const user = await createUser(api);
      const group = await createGroup(api);
      await createGroup(api);
      await api.put(`/groups/${group.id}/members/${user.id}`).expect(204);
      const res = await api.get(`/users/${user.id}/groups`).expect(200);
      assert.deepEqual(res.body.items.map((g: { id: string }) => g.id), [group.id]);
      assertError(await api.get('/users/no-such-id/groups'), 404, 'not_found');
    });
  });
});

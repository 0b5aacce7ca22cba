import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { User, UserProfile } from '../../src/directory/users.js';
import { SYSTEM } from '../../src/insights/events.js';
import { startTestService, type TestService } from '../support/service.js';

/** A user whose every searchable value is distinct, so a hit names the value it came from. */
function person(username: string, names: Partial<UserProfile> = {}): UserProfile {
  return { username, email: `${username.replace(/[^a-z0-9.]/gi, '')}@search.test`, ...names };
}

describe('user search on the admin API', () => {
  let service: TestService;
  let api: (path: string) => request.Test;
  const made = new Map<string, User>();

  before(async () => {
    service = await startTestService();
    api = (path) => request(service.url).get(`/api/v1${path}`).set('x-api-key', service.apiKey);
    const people = [
      person('ada.lovelace', { firstName: 'Ada', lastName: 'Lovelace' }),
      person('agrace', { firstName: 'Grace', lastName: 'Hopper', displayName: 'Amazing Grace' }),
      person('ab_c'), person('abxc'),
      person('kj', { firstName: 'Katherine', lastName: 'Johnson' }),
    ];
    for (const profile of people) {
      made.set(profile.username, await service.ctx.users.create(profile, SYSTEM));
    }
  });
  after(() => service.dispose());

  const usernames = (body: { items: User[] }) => body.items.map((u) => u.username);

  it('finds users by the start of username, email, first, last or display name', async () => {
    assert.deepEqual(usernames((await api('/users?q=ada.').expect(200)).body), ['ada.lovelace']);
    assert.deepEqual(usernames((await api('/users?q=KATH').expect(200)).body), ['kj']);
    assert.deepEqual(usernames((await api('/users?q=hop').expect(200)).body), ['agrace']);
    assert.deepEqual(usernames((await api('/users?q=amazing').expect(200)).body), ['agrace']);
    assert.deepEqual(usernames((await api('/users?q=kj@').expect(200)).body), ['kj']);
  });

  it('lists a user once when several of its values match, with the right total', async () => {
    const res = await api('/users?q=a').expect(200);
    assert.deepEqual(usernames(res.body), ['ab_c', 'abxc', 'ada.lovelace', 'agrace']);
    assert.equal(res.body.total, 4);
  });

  it('matches only the start of a value, not text inside it', async () => {
    const res = await api('/users?q=lace').expect(200);
    assert.deepEqual(res.body, { items: [], total: 0, limit: 50, offset: 0 });
  });

  it('treats % and _ in a search as plain characters', async () => {
    assert.deepEqual(usernames((await api('/users?q=ab_').expect(200)).body), ['ab_c']);
    assert.equal((await api('/users?q=%25').expect(200)).body.total, 0);
  });

  it('searches names only with ?name=, and combines it with ?q=', async () => {
    assert.deepEqual(usernames((await api('/users?name=johns').expect(200)).body), ['kj']);
    assert.equal((await api('/users?name=kj').expect(200)).body.total, 0);
    const both = await api('/users?q=a&name=grace').expect(200);
    assert.deepEqual(usernames(both.body), ['agrace']);
  });

  it('pages a search in username order, the total counting every match', async () => {
    const first = await api('/users?q=a&limit=2&offset=0').expect(200);
    const second = await api('/users?q=a&limit=2&offset=2').expect(200);
    assert.deepEqual(usernames(first.body), ['ab_c', 'abxc']);
    assert.deepEqual(usernames(second.body), ['ada.lovelace', 'agrace']);
    assert.equal(second.body.total, 4);
  });

  it('combines a search with the status and exact filters', async () => {
    await service.ctx.users.setStatus(made.get('abxc')!.id, 'suspended', SYSTEM);
    const suspended = await api('/users?q=ab&status=suspended').expect(200);
    assert.deepEqual(usernames(suspended.body), ['abxc']);
    assert.equal(suspended.body.total, 1);
    const exact = await api('/users?q=a&username=AGRACE').expect(200);
    assert.deepEqual(usernames(exact.body), ['agrace']);
  });

  it('pages the whole directory without a search, with its total', async () => {
    const res = await api('/users?limit=3&offset=3').expect(200);
    assert.deepEqual(usernames(res.body), ['agrace', 'kj']);
    assert.equal(res.body.total, 5);
  });
});

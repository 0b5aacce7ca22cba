import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { scimClient } from './client.js';

function seedUsers(sp: ScimSp, count: number): void {
  for (let i = 1; i <= count; i += 1) sp.seedUser({ userName: `user${i}@example.com` });
}

/** Reads every page by following startIndex with the page size the server answered. */
async function readAll(sp: ScimSp, count: number): Promise<string[]> {
  const scim = scimClient(sp, sp.token);
  const ids: string[] = [];
  for (let start = 1; ;) {
    const { body } = await scim.get(`/Users?startIndex=${start}&count=${count}`);
    ids.push(...body.Resources.map((r: { id: string }) => r.id));
    start += body.itemsPerPage;
    if (body.itemsPerPage === 0 || start > body.totalResults) return ids;
  }
}

describe('test SCIM service provider: paging', () => {
  let sp: ScimSp;
  afterEach(() => sp.stop());

  it('pages by startIndex and count, with the total before paging', async () => {
    sp = await startScimSp();
    seedUsers(sp, 7);
    const { body } = await scimClient(sp, sp.token).get('/Users?startIndex=3&count=2');
    assert.equal(body.totalResults, 7);
    assert.equal(body.startIndex, 3);
    assert.equal(body.itemsPerPage, 2);
    assert.deepEqual(body.Resources.map((r: { userName: string }) => r.userName),
      ['user3@example.com', 'user4@example.com']);
  });

  it('leaves guests out of the pages and the total', async () => {
    sp = await startScimSp();
    seedUsers(sp, 3);
    sp.seedUser({ userName: 'guest@partner.com', guest: true });
    const { body } = await scimClient(sp, sp.token).get('/Users');
    assert.equal(body.totalResults, 3);
  });

  it('cuts count to the page size and answers count=0 with the total only', async () => {
    sp = await startScimSp({ pageSize: 5 });
    seedUsers(sp, 12);
    const scim = scimClient(sp, sp.token);
    assert.equal((await scim.get('/Users?count=50')).body.itemsPerPage, 5);
    assert.equal((await scim.get('/Users')).body.itemsPerPage, 5);
    const empty = (await scim.get('/Users?count=0')).body;
    assert.equal(empty.itemsPerPage, 0);
    assert.equal(empty.totalResults, 12);
  });

  it('refuses a count that is not an integer', async () => {
    sp = await startScimSp();
    const res = await scimClient(sp, sp.token).get('/Users?count=ten');
    assert.equal(res.status, 400);
    assert.equal(res.body.scimType, 'invalidValue');
  });

  it('with ignorePageSize serves its own page size whatever count says', async () => {
    sp = await startScimSp({ ignorePageSize: true, pageSize: 4 });
    seedUsers(sp, 10);
    const scim = scimClient(sp, sp.token);
    assert.equal((await scim.get('/Users?count=2')).body.itemsPerPage, 4);
    assert.equal((await scim.get('/Users?count=100')).body.itemsPerPage, 4);
    const all = await readAll(sp, 3);
    assert.equal(all.length, 10);
    assert.equal(new Set(all).size, 10);
  });
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { ERROR_SCHEMA, scimClient, userPayload, type ScimClient } from './client.js';

describe('test SCIM service provider: fault switches', () => {
  let sp: ScimSp;
  let scim: ScimClient;
  beforeEach(async () => {
    sp = await startScimSp({ concurrentReads: 1 });
    scim = scimClient(sp, sp.token);
  });
  afterEach(() => sp.stop());

  it('fails the next N requests with the status, then answers normally', async () => {
    sp.faults.failNext(2, 503);
    const first = await scim.post('/Users', userPayload('one@example.com'));
    assert.equal(first.status, 503);
    assert.equal(first.headers.get('retry-after'), '1');
    assert.deepEqual(first.body.schemas, [ERROR_SCHEMA]);
    assert.equal((await scim.get('/Users')).status, 503);
    assert.equal(sp.users().length, 0);
    assert.equal((await scim.post('/Users', userPayload('one@example.com'))).status, 201);
  });

  it('fails with 500 and keeps the failed request body in the log', async () => {
    sp.faults.failNext(1, 500);
    assert.equal((await scim.post('/Users', userPayload('kept@example.com'))).status, 500);
    const entry = sp.requests.at(-1)!;
    assert.equal(entry.status, 500);
    assert.equal((entry.body as { userName: string }).userName, 'kept@example.com');
  });

  it('holds the next N accepted requests, each keeping its concurrency slot', async () => {
    sp.faults.slowNext(1, 2000);
    const slow = scim.get('/Users');
    while (sp.stats().maxConcurrentReads === 0) await sleep(5);
    // The held read occupies the one read slot, so a second read is refused meanwhile.
    assert.equal((await scim.get('/Users')).status, 429);
    assert.equal((await slow).status, 200);
    assert.equal((await scim.get('/Users')).status, 200);
  });

  it('drops the next N connections without an answer', async () => {
    sp.faults.dropNext(1);
    await assert.rejects(scim.post('/Users', userPayload('lost@example.com')), TypeError);
    assert.equal(sp.users().length, 0);
    assert.equal(sp.requests.at(-1)?.status, 0);
    assert.equal((await scim.get('/Users')).status, 200);
  });

  it('says the Retry-After it was given, in seconds or as an HTTP date', async () => {
    const date = new Date(Date.now() + 5_000).toUTCString();
    sp.faults.failNext(1, 429, '7');
    assert.equal((await scim.get('/Users')).headers.get('retry-after'), '7');
    sp.faults.failNext(1, 429, date);
    assert.equal((await scim.get('/Users')).headers.get('retry-after'), date);
  });

  it('applies the next N changes, then drops the connection instead of answering',
    async () => {
      sp.faults.dropAfterNext(1);
      await assert.rejects(scim.post('/Users', userPayload('applied@example.com')), TypeError);
      assert.deepEqual(sp.users().map((u) => u.userName), ['applied@example.com']);
      assert.equal(sp.requests.at(-1)?.status, 0);
      assert.equal(sp.requests.at(-1)?.handled, true);
      assert.equal((await scim.get('/Users')).status, 200);
    });

  it('drops after handling only requests of the method given', async () => {
    sp.faults.dropAfterNext(1, 'post');
    assert.equal((await scim.get('/Users')).status, 200);
    await assert.rejects(scim.post('/Users', userPayload('late@example.com')), TypeError);
    assert.equal(sp.users().length, 1);
  });

  it('refuses nonsense settings', () => {
    assert.throws(() => sp.faults.failNext(1, 200), RangeError);
    assert.throws(() => sp.faults.failNext(1, 429, 'line\nbreak'), RangeError);
    assert.throws(() => sp.faults.dropAfterNext(-1), RangeError);
    assert.throws(() => sp.faults.slowNext(-1, 10), RangeError);
    assert.throws(() => sp.faults.dropNext(1.5), RangeError);
  });
});

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { scimClient, userPayload, type Answer } from './client.js';

// Until `condition` holds; used to know a slowed request is in flight before the next.
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

function assertThrottled(res: Answer): void {
  assert.equal(res.status, 429);
  assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  assert.match(res.body.errors[0].message, /too many requests/);
}

describe('test SCIM service provider: quota', () => {
  let sp: ScimSp;
  afterEach(() => sp.stop());

  it('answers 429 with Retry-After once the per-minute quota is used', async () => {
    sp = await startScimSp({ requestsPerMinute: 3 });
    const scim = scimClient(sp, sp.token);
    for (let i = 0; i < 3; i += 1) assert.equal((await scim.get('/Users')).status, 200);
    const refused = await scim.post('/Users', userPayload('late@example.com'));
    assertThrottled(refused);
    assert.ok(Number(refused.headers.get('retry-after')) <= 60);
    assert.equal(sp.users().length, 0);
    assert.deepEqual(sp.stats(), { maxConcurrentReads: 1, maxConcurrentWrites: 0,
      throttled: 1, maxRequestsInAnyMinute: 3, total: 4 });
  });

  it('takes a raised quota at once through setQuota', async () => {
    sp = await startScimSp({ requestsPerMinute: 1 });
    const scim = scimClient(sp, sp.token);
    await scim.get('/Users');
    assert.equal((await scim.get('/Users')).status, 429);
    sp.setQuota({ requestsPerMinute: 10 });
    assert.equal((await scim.get('/Users')).status, 200);
    assert.throws(() => sp.setQuota({ concurrentReads: 0 }), /concurrentReads/);
  });

  for (const countRejected of [true, false]) {
    it(`counts refused requests against the minute only when countRejected=${countRejected}`,
      async () => {
        sp = await startScimSp({ requestsPerMinute: 2, countRejected });
        const scim = scimClient(sp, sp.token);
        for (let i = 0; i < 5; i += 1) await scim.get('/Users');
        // 2 admitted and 3 refused: a quota of 4 is used up only if the refusals count.
        sp.setQuota({ requestsPerMinute: 4 });
        assert.equal((await scim.get('/Users')).status, countRejected ? 429 : 200);
        assert.equal(sp.stats().maxRequestsInAnyMinute, countRejected ? 2 : 3);
      });
  }

  it('answers 429 to a read beyond the concurrent-read cap, not to a write', async () => {
    sp = await startScimSp({ concurrentReads: 1 });
    const scim = scimClient(sp, sp.token);
    sp.faults.slowNext(1, 2000);
    const held = scim.get('/Users');
    await until(() => sp.stats().maxConcurrentReads === 1);
    assertThrottled(await scim.get('/Users'));
    assert.equal((await scim.post('/Users', userPayload('w@example.com'))).status, 201);
    assert.equal((await held).status, 200);
    assert.equal((await scim.get('/Users')).status, 200);
    assert.equal(sp.stats().maxConcurrentReads, 1);
    assert.equal(sp.stats().throttled, 1);
  });

  it('answers 429 to a write beyond the concurrent-write cap, not to a read', async () => {
    sp = await startScimSp({ concurrentWrites: 2 });
    const scim = scimClient(sp, sp.token);
    sp.faults.slowNext(2, 2000);
    const held = [scim.post('/Users', userPayload('a@example.com')),
      scim.post('/Users', userPayload('b@example.com'))];
    await until(() => sp.stats().maxConcurrentWrites === 2);
    assertThrottled(await scim.post('/Users', userPayload('c@example.com')));
    assert.equal((await scim.get('/Users')).status, 200);
    assert.deepEqual((await Promise.all(held)).map((r) => r.status), [201, 201]);
    assert.deepEqual(sp.users().map((u) => u.userName).sort(), ['a@example.com', 'b@example.com']);
    assert.equal(sp.stats().maxConcurrentWrites, 2);
  });

  it('refuses invalid limits with every problem listed', async () => {
    await assert.rejects(startScimSp({ requestsPerMinute: -1, pageSize: 0 }),
      /requestsPerMinute must be a positive integer; pageSize must be a positive integer/);
    sp = await startScimSp();
  });
});

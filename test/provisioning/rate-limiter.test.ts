import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { LimiterClosedError, RateLimiter } from '../../src/provisioning/rate-limiter.js';

const limits = (requestsPerMinute: number) =>
  ({ requestsPerMinute, concurrentReads: 2, concurrentWrites: 2 });

describe('rate limiter', () => {
  it('counts the starts of an earlier run, and sends nothing once closed', async () => {
    const limiter = new RateLimiter(limits(2));
    limiter.seed([Date.now() - 2_000, Date.now() - 1_000]);
    let sent = false;
    const waiting = limiter.run('write', async () => {
      sent = true;
    });
    await sleep(100);
    limiter.close();
    await assert.rejects(waiting, LimiterClosedError);
    assert.equal(sent, false, 'the quota of this minute was already used');
  });

  it('holds every request while a Retry-After pause lasts', async () => {
    const limiter = new RateLimiter(limits(60_000));
    limiter.pauseUntil(Date.now() + 60_000);
    let sent = false;
    const waiting = limiter.run('read', async () => {
      sent = true;
    });
    await sleep(100);
    limiter.close();
    await assert.rejects(waiting, LimiterClosedError);
    assert.equal(sent, false);
  });

  it('never runs more than the concurrency cap at once', async () => {
    const limiter = new RateLimiter(limits(60_000));
    let running = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 10 }, () => limiter.run('write', async () => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(5);
      running -= 1;
    })));
    assert.equal(peak, 2);
  });
});

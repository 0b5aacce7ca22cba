import { setTimeout as sleep } from 'node:timers/promises';

/** The pace an application accepts: its per-minute quota and its concurrency caps. */
export interface RateLimits {
  requestsPerMinute: number;
  concurrentReads: number;
  concurrentWrites: number;
}

/*
 * Requests are paced evenly rather than sent in bursts: an even pace satisfies a
 * sliding one-minute window, a fixed one and a token bucket alike. The spacing spreads
 * the quota over a minute plus a guard, so that arrival times at the application
 * jittered by up to the guard still never put quota + 1 requests in any minute.
 */
const WINDOW_MS = 60_000;
const GUARD_MS = 500;

/** A counting semaphore with first-come, first-served waiters. */
class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private limit: number) {}

  setLimit(limit: number): void {
    this.limit = limit;
    this.wake();
  }

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    this.active -= 1;
    this.wake();
  }

  private wake(): void {
    while (this.active < this.limit && this.waiters.length > 0) {
      this.active += 1;
      this.waiters.shift()!();
    }
  }
}

/**
 * One application's rate limiter: every SCIM request takes a read or write slot and a
 * start time from it. Never lets more than the quota start in any minute, nor more
 * than the caps run at once; a 429's Retry-After pauses every later start.
 */
export class RateLimiter {
  private readonly reads: Semaphore;
  private readonly writes: Semaphore;
  private spacingMs = 0;
  private nextStart = 0;
  private pausedUntil = 0;
  private closed = false;

  constructor(limits: RateLimits) {
    this.reads = new Semaphore(limits.concurrentReads);
    this.writes = new Semaphore(limits.concurrentWrites);
    this.setLimits(limits);
  }

  setLimits(limits: RateLimits): void {
    this.reads.setLimit(limits.concurrentReads);
    this.writes.setLimit(limits.concurrentWrites);
    const rpm = Math.max(2, limits.requestsPerMinute);
    this.spacingMs = (WINDOW_MS + GUARD_MS) / (rpm - 1);
  }

  /** Holds back every request until `time` (epoch ms), as a 429's Retry-After asks. */
  pauseUntil(time: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, time);
  }

  /** Refuses every request not yet sent, so nothing leaves after the service stopped. */
  close(): void {
    this.closed = true;
    this.pausedUntil = 0;
  }

  /** Time (epoch ms) before which nothing is sent because of a 429, or 0. */
  get pausedUntilMs(): number {
    return this.pausedUntil > Date.now() ? this.pausedUntil : 0;
  }

  /**
   * Waits for a slot and a start time, then runs `send`. The slot is held until
   * `send` settles; the start time is taken only once a slot is free, so a request
   * waiting for concurrency does not use up quota.
   */
  async run<T>(kind: 'read' | 'write', send: () => Promise<T>): Promise<T> {
    const slots = kind === 'read' ? this.reads : this.writes;
    await slots.acquire();
    try {
      await this.waitForStart();
      if (this.closed) throw new LimiterClosedError();
      return await send();
    } finally {
      slots.release();
    }
  }

  private async waitForStart(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const start = Math.max(now, this.nextStart, this.pausedUntil);
      this.nextStart = start + this.spacingMs;
      if (start > now) await sleep(Math.ceil(start - now), undefined, { ref: false });
      // A 429 answered while this request slept moves its start past the pause.
      if (this.pausedUntil <= start || this.closed) return;
    }
  }
}

/** Thrown for a request that was still waiting when its limiter was closed. */
export class LimiterClosedError extends Error {
  constructor() {
    super('provisioning stopped before the request was sent');
    this.name = 'LimiterClosedError';
  }
}

/** One limiter per application, shared by the worker and activation checks. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();

  /** The application's limiter, created on first use; later calls update its limits. */
  get(applicationId: string, limits: RateLimits): RateLimiter {
    let limiter = this.limiters.get(applicationId);
    if (limiter) limiter.setLimits(limits);
    else this.limiters.set(applicationId, limiter = new RateLimiter(limits));
    return limiter;
  }

  /** Closes every limiter (the service is stopping). */
  closeAll(): void {
    for (const limiter of this.limiters.values()) limiter.close();
  }
}

import { setTimeout as sleep } from 'node:timers/promises';

/** The pace an application accepts: its per-minute quota and its concurrency caps. */
export interface RateLimits {
  requestsPerMinute: number;
  concurrentReads: number;
  concurrentWrites: number;
}

/*
 * Two rules decide when a request may start. The pace: starts follow an even schedule
 * of quota-per-minute, which suits a sliding window, a fixed one and a token bucket
 * alike; a start that fell behind (the process was busy) may catch up, by at most
 * CATCH_UP_MS, so that a stall does not waste quota. The hard limit: never more starts
 * than the quota in any window of a minute plus a guard, whatever the schedule says,
 * so that arrival times jittered by up to the guard still fit the application's minute.
 */
const WINDOW_MS = 60_000;
const GUARD_MS = 500;
const CATCH_UP_MS = 2_000;

/** Start times of the last minute (plus guard), oldest first, for the hard limit. */
class StartLog {
  private readonly times: number[] = [];
  private head = 0;

  /** Starts in the window ending now. */
  countSince(cutoff: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= cutoff) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  /** The start that must leave the window before another may begin. */
  oldestOf(limit: number): number {
    return this.times[this.times.length - limit] ?? 0;
  }

  add(time: number): void {
    this.times.push(time);
  }
}

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
  private quota = 0;
  private nextStart = 0;
  private readonly starts = new StartLog();
  private gate: Promise<void> = Promise.resolve();
  private pausedUntil = 0;
  private closed = false;
  // Wakes requests sleeping towards their start time when the limiter closes.
  private wakeUp = new AbortController();

  constructor(limits: RateLimits) {
    this.reads = new Semaphore(limits.concurrentReads);
    this.writes = new Semaphore(limits.concurrentWrites);
    this.setLimits(limits);
  }

  setLimits(limits: RateLimits): void {
    this.reads.setLimit(limits.concurrentReads);
    this.writes.setLimit(limits.concurrentWrites);
    this.quota = Math.max(1, limits.requestsPerMinute);
    this.spacingMs = (WINDOW_MS + GUARD_MS) / this.quota;
  }

  /**
   * Counts requests sent before this limiter existed (by an earlier run of the
   * process), so a restart does not spend the same minute's quota twice.
   * @param times start times, epoch ms, oldest first
   */
  seed(times: number[]): void {
    for (const time of times) this.starts.add(time);
    const last = times[times.length - 1];
    if (last !== undefined) this.nextStart = Math.max(this.nextStart, last + this.spacingMs);
  }

  /** Holds back every request until `time` (epoch ms), as a 429's Retry-After asks. */
  pauseUntil(time: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, time);
  }

  /** Refuses every request not yet sent, so nothing leaves after the service stopped. */
  close(): void {
    this.closed = true;
    this.pausedUntil = 0;
    this.wakeUp.abort();
  }

  /** Lets requests through again after close (the worker started again). */
  open(): void {
    this.closed = false;
    if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
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

  /** Waiters take their start time one after another, so only one of them sleeps. */
  private waitForStart(): Promise<void> {
    const turn = this.gate.then(() => this.waitTurn());
    this.gate = turn.catch(() => {});
    return turn;
  }

  private async waitTurn(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const start = Math.max(now, this.scheduled(now), this.pausedUntil, this.windowFrees(now));
      if (start <= now) {
        this.nextStart = Math.max(this.nextStart, now - CATCH_UP_MS) + this.spacingMs;
        this.starts.add(now);
        return;
      }
      if (this.closed) return;
      await sleep(Math.ceil(start - now), undefined, { ref: false, signal: this.wakeUp.signal })
        .catch(() => {});
    }
  }

  /** The schedule's next start, never more than CATCH_UP_MS in the past. */
  private scheduled(now: number): number {
    return Math.max(this.nextStart, now - CATCH_UP_MS);
  }

  /** When the hard limit lets one more request start (now, if it already does). */
  private windowFrees(now: number): number {
    const window = WINDOW_MS + GUARD_MS;
    if (this.starts.countSince(now - window) < this.quota) return now;
    return this.starts.oldestOf(this.quota) + window + 1;
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

  /** Refuses the application's requests not yet sent (its integration was deactivated). */
  close(applicationId: string): void {
    this.limiters.get(applicationId)?.close();
  }

  /** Lets the application's requests through again (its integration is being activated). */
  open(applicationId: string): void {
    this.limiters.get(applicationId)?.open();
  }

  /** Closes every limiter (the worker is stopping). */
  closeAll(): void {
    for (const limiter of this.limiters.values()) limiter.close();
  }

  /** Opens every limiter again (the worker is starting). */
  openAll(): void {
    for (const limiter of this.limiters.values()) limiter.open();
  }
}

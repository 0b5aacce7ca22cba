import type { ScimSpQuota, ScimSpStats } from './types.js';

const WINDOW_MS = 60_000;
// A concurrency refusal clears as soon as one request in flight ends; one second is
// the smallest wait the Retry-After header can say.
const CONCURRENCY_RETRY_SECONDS = 1;

export type RequestKind = 'read' | 'write';

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; retryAfter: number; reason: string };

/** GET and HEAD are reads; every other method is a write. */
export function requestKind(method: string): RequestKind {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

/**
 * The request quota of one token: requests per sliding 60-second window (the window
 * ends at each request, so no burst at a minute boundary can exceed it), and caps on
 * reads and writes in flight at once.
 */
export class Quota {
  private limits: ScimSpQuota;
  // Times of the requests the per-minute quota counts, oldest first.
  private counted: number[] = [];
  // Times of the requests admitted, oldest first, for the statistics.
  private admitted: number[] = [];
  private readonly inFlight = { read: 0, write: 0 };
  private readonly peak = { read: 0, write: 0, minute: 0 };
  private throttled = 0;

  constructor(limits: ScimSpQuota, private readonly countRejected: boolean) {
    this.limits = { ...limits };
  }

  /** Changes the limits from now on; requests already counted stay counted. */
  set(limits: ScimSpQuota): void {
    this.limits = { ...this.limits, ...limits };
  }

  /** Decides whether a request may proceed; an admitted one must be released once. */
  admit(kind: RequestKind, now: number): Admission {
    const perMinute = this.checkPerMinute(now);
    if (!perMinute.ok) return this.refuse(perMinute);
    const concurrency = this.checkConcurrency(kind);
    if (!concurrency.ok) return this.refuse(concurrency);
    return { ok: true, release: this.occupy(kind, now) };
  }

  stats(total: number): ScimSpStats {
    return {
      maxConcurrentReads: this.peak.read,
      maxConcurrentWrites: this.peak.write,
      throttled: this.throttled,
      maxRequestsInAnyMinute: this.peak.minute,
      total,
    };
  }

  // Refusals by this limiter count against it too when countRejected is set, as the
  // imitated service documents; refusals for concurrency never do.
  private checkPerMinute(now: number): Admission {
    this.counted = dropOlderThan(this.counted, now - WINDOW_MS);
    const limit = this.limits.requestsPerMinute;
    if (limit === undefined || this.counted.length < limit) return { ok: true, release: () => {} };
    if (this.countRejected) this.counted.push(now);
    // The quota frees up when enough of the counted requests have left the window.
    const freeingAt = this.counted[this.counted.length - limit]! + WINDOW_MS;
    const retryAfter = Math.max(1, Math.ceil((freeingAt - now) / 1000));
    return { ok: false, retryAfter, reason: 'per-minute request quota reached' };
  }

  private checkConcurrency(kind: RequestKind): Admission {
    const cap = kind === 'read' ? this.limits.concurrentReads : this.limits.concurrentWrites;
    if (cap === undefined || this.inFlight[kind] < cap) return { ok: true, release: () => {} };
    return { ok: false, retryAfter: CONCURRENCY_RETRY_SECONDS,
      reason: `concurrent ${kind} limit reached` };
  }

  private refuse(admission: Admission): Admission {
    this.throttled += 1;
    return admission;
  }

  private occupy(kind: RequestKind, now: number): () => void {
    this.counted.push(now);
    this.inFlight[kind] += 1;
    this.peak[kind] = Math.max(this.peak[kind], this.inFlight[kind]);
    this.admitted = dropOlderThan(this.admitted, now - WINDOW_MS);
    this.admitted.push(now);
    this.peak.minute = Math.max(this.peak.minute, this.admitted.length);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight[kind] -= 1;
    };
  }
}

function dropOlderThan(times: number[], cutoff: number): number[] {
  const first = times.findIndex((t) => t > cutoff);
  return first === -1 ? [] : first === 0 ? times : times.slice(first);
}

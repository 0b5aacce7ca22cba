import type { ScimSpFaults } from './types.js';

/**
 * Switches that make the next requests misbehave. Each call replaces the previous
 * setting of the same switch; a switch turns itself off after its count.
 */
export class Faults implements ScimSpFaults {
  private failures: { left: number; status: number; retryAfter?: string } =
    { left: 0, status: 500 };
  private delays = { left: 0, ms: 0 };
  private drops = 0;
  private dropsAfter: { left: number; method?: string } = { left: 0 };

  failNext(count: number, status: number, retryAfter?: string): void {
    checkCount(count);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError('status must be an HTTP error status, 400 to 599');
    }
    if (retryAfter !== undefined && !/^[\x20-\x7e]+$/.test(retryAfter)) {
      throw new RangeError('retryAfter must be printable ASCII');
    }
    this.failures = { left: count, status, retryAfter };
  }

  slowNext(count: number, ms: number): void {
    checkCount(count);
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('ms must be 0 or more');
    this.delays = { left: count, ms };
  }

  dropNext(count: number): void {
    checkCount(count);
    this.drops = count;
  }

  dropAfterNext(count: number, method?: string): void {
    checkCount(count);
    this.dropsAfter = { left: count, method: method?.toUpperCase() };
  }

  /** The status (and Retry-After) to fail this request with, if a failure is pending. */
  takeFailure(): { status: number; retryAfter?: string } | undefined {
    if (this.failures.left === 0) return undefined;
    this.failures.left -= 1;
    return { status: this.failures.status, retryAfter: this.failures.retryAfter };
  }

  /** Milliseconds to hold this request, if a delay is pending. */
  takeDelay(): number | undefined {
    if (this.delays.left === 0) return undefined;
    this.delays.left -= 1;
    return this.delays.ms;
  }

  /** Whether to drop this request's connection once it was handled. */
  takeDropAfter(method: string): boolean {
    const { left, method: only } = this.dropsAfter;
    if (left === 0 || (only !== undefined && only !== method)) return false;
    this.dropsAfter.left -= 1;
    return true;
  }

  /** Whether to drop this request's connection. */
  takeDrop(): boolean {
    if (this.drops === 0) return false;
    this.drops -= 1;
    return true;
  }
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be 0 or more');
}

import type { ScimSpFaults } from './types.js';

/**
 * Switches that make the next requests misbehave. Each call replaces the previous
 * setting of the same switch; a switch turns itself off after its count.
 */
export class Faults implements ScimSpFaults {
  private failures = { left: 0, status: 500 };
  private delays = { left: 0, ms: 0 };
  private drops = 0;

  failNext(count: number, status: number): void {
    checkCount(count);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError('status must be an HTTP error status, 400 to 599');
    }
    this.failures = { left: count, status };
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

  /** The status to fail this request with, if a failure is pending. */
  takeFailure(): number | undefined {
    if (this.failures.left === 0) return undefined;
    this.failures.left -= 1;
    return this.failures.status;
  }

  /** Milliseconds to hold this request, if a delay is pending. */
  takeDelay(): number | undefined {
    if (this.delays.left === 0) return undefined;
    this.delays.left -= 1;
    return this.delays.ms;
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

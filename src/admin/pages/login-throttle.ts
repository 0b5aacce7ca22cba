import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';

/** Failed admin logins allowed per username (from any address) within WINDOW_SECONDS. */
const FAILURES_PER_USERNAME = 10;
/** Failed admin logins allowed per client address (for any username) in the window. */
const FAILURES_PER_ADDRESS = 30;
const WINDOW_SECONDS = 15 * 60;

function exhausted(state: RateLimiterRes | null, allowed: number): boolean {
  return state !== null && state.consumedPoints >= allowed;
}

/**
 * Counts failed admin logins by username and by address. The username count stops
 * guessing one administrator's password from many addresses; the address count stops
 * one client from trying many usernames (password spraying). Past either allowance,
 * logins are refused without checking the password until the window ends.
 */
export class AdminLoginThrottle {
  private readonly perUsername = new RateLimiterMemory({ keyPrefix: 'admin-login-user',
    points: FAILURES_PER_USERNAME, duration: WINDOW_SECONDS });
  private readonly perAddress = new RateLimiterMemory({ keyPrefix: 'admin-login-ip',
    points: FAILURES_PER_ADDRESS, duration: WINDOW_SECONDS });

  /** True while this username or this address has used up its failures. */
  async isBlocked(username: string, address: string): Promise<boolean> {
    const [byUser, byAddress] = await Promise.all([
      this.perUsername.get(usernameKey(username)), this.perAddress.get(address)]);
    return exhausted(byUser, FAILURES_PER_USERNAME)
      || exhausted(byAddress, FAILURES_PER_ADDRESS);
  }

  async countFailure(username: string, address: string): Promise<void> {
    // consume() rejects once the allowance is spent; the count then runs its course.
    await Promise.all([this.perUsername.consume(usernameKey(username)).catch(() => null),
      this.perAddress.consume(address).catch(() => null)]);
  }

  /** A successful login clears the username's count; the address keeps its own. */
  async forgetFailures(username: string): Promise<void> {
    await this.perUsername.delete(usernameKey(username));
  }
}

function usernameKey(username: string): string {
  return username.trim().toLowerCase().slice(0, 256);
}

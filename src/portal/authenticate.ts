import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { User } from '../directory/users.js';
import { toUser, type UserService } from '../directory/users.js';
import { verifyAgainstDummy, verifyPassword } from '../directory/passwords.js';
import { HttpError } from '../http/errors.js';

/** The one message for every failed login: it never tells which part was wrong. */
export const LOGIN_FAILED = 'The username or password is not correct.';
export const LOGIN_LOCKED = 'Too many failed sign-in attempts. Try again later.';

/** Failures allowed per username, and per address, within WINDOW_SECONDS. */
const FAILURES_PER_USERNAME = 5;
const FAILURES_PER_ADDRESS = 20;
const WINDOW_SECONDS = 15 * 60;
/** How long a username or address stays locked after too many failures, in seconds. */
const LOCKOUT_SECONDS = 15 * 60;

/**
 * Password login for directory users, throttled per username and per client address:
 * past the allowance, further attempts are refused for the lockout period without
 * checking the password, which stops online guessing and password spraying.
 */
export class PasswordLogin {
  private readonly perUsername = new RateLimiterMemory({ keyPrefix: 'login-user',
    points: FAILURES_PER_USERNAME, duration: WINDOW_SECONDS, blockDuration: LOCKOUT_SECONDS });
  private readonly perAddress = new RateLimiterMemory({ keyPrefix: 'login-ip',
    points: FAILURES_PER_ADDRESS, duration: WINDOW_SECONDS, blockDuration: LOCKOUT_SECONDS });

  constructor(private readonly users: UserService, private readonly hashCost: number) {}

  /**
   * The user whose credentials these are. Throws 429 `login_locked` while locked out,
   * 401 `login_failed` for an unknown user, a wrong password or a suspended account,
   * all three taking the time of one password check.
   */
  async authenticate(login: string, password: string, address: string): Promise<User> {
    const username = login.trim().toLowerCase();
    await this.checkNotLocked(username, address);
    const row = username ? await this.users.findByLogin(username) : undefined;
    const matches = row?.password_hash
      ? await verifyPassword(password, row.password_hash)
      : await verifyAgainstDummy(password, this.hashCost);
    if (!row || !matches || row.status !== 'active') {
      await this.countFailure(username, address);
      throw new HttpError(401, 'login_failed', LOGIN_FAILED);
    }
    await this.perUsername.delete(username);
    return toUser(row);
  }

  private async checkNotLocked(username: string, address: string): Promise<void> {
    const [byUser, byAddress] = await Promise.all([
      this.perUsername.get(username), this.perAddress.get(address)]);
    if (exhausted(byUser, FAILURES_PER_USERNAME) || exhausted(byAddress, FAILURES_PER_ADDRESS)) {
      throw new HttpError(429, 'login_locked', LOGIN_LOCKED);
    }
  }

  private async countFailure(username: string, address: string): Promise<void> {
    // consume() rejects once the allowance is spent; the block then runs its course.
    await Promise.all([this.perUsername.consume(username).catch(() => null),
      this.perAddress.consume(address).catch(() => null)]);
  }
}

function exhausted(res: RateLimiterRes | null, allowed: number): boolean {
  return res !== null && res.consumedPoints >= allowed;
}

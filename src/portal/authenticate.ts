import type { User } from '../directory/users.js';
import { composed, toUser, type UserService } from '../directory/users.js';
import { LoginThrottle } from '../directory/login-failures.js';
import { verifyAgainstDummy, verifyPassword } from '../directory/passwords.js';
import { HttpError } from '../http/errors.js';
import type { Db } from '../store/db.js';

/** The one message for every failed login: it never tells which part was wrong. */
export const LOGIN_FAILED = 'The username or password is not correct.';
export const LOGIN_LOCKED = 'Too many failed sign-in attempts. Try again later.';

/**
 * Failures allowed per account, and per address, within a window of 15 minutes; past
 * that the account or address stays locked until the window ends.
 */
const LIMITS = {
  perName: { failures: 5, windowSeconds: 15 * 60 },
  perAddress: { failures: 20, windowSeconds: 15 * 60 },
};

/**
 * Password login for directory users, throttled per account and per client address:
 * past the allowance, further attempts are refused for the lockout period without
 * checking the password, which stops online guessing and password spraying.
 */
export class PasswordLogin {
  private readonly throttle: LoginThrottle;

  constructor(db: Db, private readonly users: UserService,
    private readonly hashCost: number) {
    this.throttle = new LoginThrottle(db, LIMITS, 'user');
  }

  /**
   * The user whose credentials these are. Throws 429 `login_locked` while locked out,
   * 401 `login_failed` for an unknown user, a wrong password or a suspended account,
   * all three taking the time of one password check.
   */
  async authenticate(login: string, password: string, address: string): Promise<User> {
    const name = composed(login.trim()).toLowerCase();
    const row = name ? await this.users.findByLogin(name) : undefined;
    const account = accountOf(name, row?.id);
    if (await this.throttle.isLocked(account, address)) {
      throw new HttpError(429, 'login_locked', LOGIN_LOCKED);
    }
    const matches = row?.password_hash
      ? await verifyPassword(password, row.password_hash)
      : await verifyAgainstDummy(password, this.hashCost);
    if (!row || !matches || row.status !== 'active') {
      await this.throttle.countFailure(account, address);
      throw new HttpError(401, 'login_failed', LOGIN_FAILED);
    }
    await this.throttle.forget(account);
    return toUser(row);
  }
}

/**
 * What a login's failures are counted under: the account it names, so that its username
 * and its email share one count and guessing cannot switch between them; an unknown name
 * by itself.
 */
function accountOf(name: string, userId: string | undefined): string {
  return userId ? `id:${userId}` : `login:${name}`;
}

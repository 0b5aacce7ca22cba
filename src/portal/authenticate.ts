import type { User } from '../directory/users.js';
import { toUser, type UserService } from '../directory/users.js';
import { FailureCounter } from '../directory/login-failures.js';
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
const PER_ACCOUNT = { failures: 5, windowSeconds: 15 * 60 };
const PER_ADDRESS = { failures: 20, windowSeconds: 15 * 60 };

/**
 * Password login for directory users, throttled per account and per client address:
 * past the allowance, further attempts are refused for the lockout period without
 * checking the password, which stops online guessing and password spraying.
 */
export class PasswordLogin {
  private readonly perAccount: FailureCounter;
  private readonly perAddress: FailureCounter;

  constructor(db: Db, private readonly users: UserService,
    private readonly hashCost: number) {
    this.perAccount = new FailureCounter(db, PER_ACCOUNT);
    this.perAddress = new FailureCounter(db, PER_ADDRESS);
  }

  /**
   * The user whose credentials these are. Throws 429 `login_locked` while locked out,
   * 401 `login_failed` for an unknown user, a wrong password or a suspended account,
   * all three taking the time of one password check.
   */
  async authenticate(login: string, password: string, address: string): Promise<User> {
    const name = login.trim().normalize('NFC').toLowerCase();
    const row = name ? await this.users.findByLogin(name) : undefined;
    const account = accountKey(name, row?.id);
    const addressKey = `user-ip:${address}`;
    await this.checkNotLocked(account, addressKey);
    const matches = row?.password_hash
      ? await verifyPassword(password, row.password_hash)
      : await verifyAgainstDummy(password, this.hashCost);
    if (!row || !matches || row.status !== 'active') {
      await Promise.all([this.perAccount.countFailure(account),
        this.perAddress.countFailure(addressKey)]);
      throw new HttpError(401, 'login_failed', LOGIN_FAILED);
    }
    await this.perAccount.forget(account);
    return toUser(row);
  }

  private async checkNotLocked(account: string, address: string): Promise<void> {
    const [byAccount, byAddress] = await Promise.all([
      this.perAccount.isLocked(account), this.perAddress.isLocked(address)]);
    if (byAccount || byAddress) throw new HttpError(429, 'login_locked', LOGIN_LOCKED);
  }
}

/**
 * The counter key of a login: the account it names, so that its username and its email
 * share one count and guessing cannot switch between them; an unknown name by itself.
 */
function accountKey(name: string, userId: string | undefined): string {
  return userId ? `user:${userId}` : `user-name:${name.slice(0, 256)}`;
}

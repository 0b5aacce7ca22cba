import { adminName } from '../../directory/admins.js';
import { FailureCounter } from '../../directory/login-failures.js';
import type { Db } from '../../store/db.js';

/** Failed admin logins allowed per username (from any address) within 15 minutes. */
const PER_USERNAME = { failures: 10, windowSeconds: 15 * 60 };
/** Failed admin logins allowed per client address (for any username) in 15 minutes. */
const PER_ADDRESS = { failures: 30, windowSeconds: 15 * 60 };

/**
 * Counts failed admin logins by username and by address. The username count stops
 * guessing one administrator's password from many addresses; the address count stops
 * one client from trying many usernames (password spraying). Past either allowance,
 * logins are refused without checking the password until the window ends. The counts
 * are in the database, so a restart does not lift them.
 */
export class AdminLoginThrottle {
  private readonly perUsername: FailureCounter;
  private readonly perAddress: FailureCounter;

  constructor(db: Db) {
    this.perUsername = new FailureCounter(db, PER_USERNAME);
    this.perAddress = new FailureCounter(db, PER_ADDRESS);
  }

  /** True while this username or this address has used up its failures. */
  async isBlocked(username: string, address: string): Promise<boolean> {
    const [byUser, byAddress] = await Promise.all([
      this.perUsername.isLocked(usernameKey(username)),
      this.perAddress.isLocked(addressKey(address))]);
    return byUser || byAddress;
  }

  async countFailure(username: string, address: string): Promise<void> {
    await Promise.all([this.perUsername.countFailure(usernameKey(username)),
      this.perAddress.countFailure(addressKey(address))]);
  }

  /** A successful login clears the username's count; the address keeps its own. */
  async forgetFailures(username: string): Promise<void> {
    await this.perUsername.forget(usernameKey(username));
  }
}

function usernameKey(username: string): string {
  return `admin-name:${adminName(username).slice(0, 256)}`;
}

function addressKey(address: string): string {
  return `admin-ip:${address}`;
}

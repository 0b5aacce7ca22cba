import { sql } from 'kysely';
import type { Db } from '../store/db.js';

/** How many failures a key may collect within one window, and the window's length. */
export interface FailureAllowance {
  failures: number;
  windowSeconds: number;
}

/**
 * Failed sign-ins counted per key (an account, a client address) in the database. A
 * window opens at a key's first failure; once the allowance is used up the key stays
 * locked until the window ends. Kept in the database, a lockout survives a restart and
 * holds for every service process on the same data.
 */
export class FailureCounter {
  constructor(private readonly db: Db, private readonly allowance: FailureAllowance) {}

  /** True while `key` has used up its failures in the current window. */
  async isLocked(key: string): Promise<boolean> {
    const row = await this.db.selectFrom('login_failures').select('failures')
      .where('key', '=', key).where('window_ends_at', '>', new Date().toISOString())
      .executeTakeFirst();
    return row !== undefined && row.failures >= this.allowance.failures;
  }

  /** Counts one failure for `key`, opening a new window when the last one has ended. */
  async countFailure(key: string): Promise<void> {
    const time = new Date();
    const current = time.toISOString();
    const windowEnd = new Date(time.getTime() + this.allowance.windowSeconds * 1000)
      .toISOString();
    // Qualified names: PostgreSQL finds a bare column ambiguous next to `excluded`.
    const open = sql<boolean>`login_failures.window_ends_at > ${current}`;
    await this.db.insertInto('login_failures')
      .values({ key, failures: 1, window_ends_at: windowEnd })
      .onConflict((oc) => oc.column('key').doUpdateSet({
        failures: sql`case when ${open} then login_failures.failures + 1 else 1 end`,
        window_ends_at: sql`case when ${open} then login_failures.window_ends_at
          else excluded.window_ends_at end`,
      })).execute();
    await this.db.deleteFrom('login_failures').where('window_ends_at', '<=', current)
      .execute();
  }

  /** Forgets the failures of `key`, after a successful sign-in. */
  async forget(key: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('key', '=', key).execute();
  }
}

/** The allowances of one kind of login: per name (or account), and per client address. */
export interface LoginLimits {
  perName: FailureAllowance;
  perAddress: FailureAllowance;
}

/**
 * Failed logins of one kind (`kind` keeps console and admin counts apart), counted by
 * name and by client address. The name count stops guessing one password from many
 * addresses; the address count stops one client trying many names (password spraying).
 */
export class LoginThrottle {
  private readonly perName: FailureCounter;
  private readonly perAddress: FailureCounter;

  constructor(db: Db, limits: LoginLimits, private readonly kind: string) {
    this.perName = new FailureCounter(db, limits.perName);
    this.perAddress = new FailureCounter(db, limits.perAddress);
  }

  /** True while this name or this address has used up its failures. */
  async isLocked(name: string, address: string): Promise<boolean> {
    const [byName, byAddress] = await Promise.all([
      this.perName.isLocked(this.nameKey(name)),
      this.perAddress.isLocked(this.addressKey(address))]);
    return byName || byAddress;
  }

  async countFailure(name: string, address: string): Promise<void> {
    await Promise.all([this.perName.countFailure(this.nameKey(name)),
      this.perAddress.countFailure(this.addressKey(address))]);
  }

  /** A successful login clears the name's count; the address keeps its own. */
  async forget(name: string): Promise<void> {
    await this.perName.forget(this.nameKey(name));
  }

  private nameKey(name: string): string {
    return `${this.kind}-name:${name.slice(0, 256)}`;
  }

  private addressKey(address: string): string {
    return `${this.kind}-ip:${address}`;
  }
}

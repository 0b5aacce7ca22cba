import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { notFound } from '../http/errors.js';
import { endSessionsOfAdmin } from '../http/session.js';
import { type Actor, SYSTEM, recordEvent } from '../insights/events.js';
import { type Db, now } from '../store/db.js';
import { generatePassword, hashPassword, verifyAgainstDummy, verifyPassword } from
  './passwords.js';

/*
 * Administrators are kept apart from directory users: a directory user can never reach
 * the admin API or portal. API keys are high-entropy random strings, so a plain SHA-256
 * of the key is a sufficient stored form; only the hash and a short prefix are kept.
 */

const KEY_PREFIX = 'idp_';

export interface Admin { id: string; username: string }

/** How an admin login ended: the administrator is known unless the name was unknown. */
export type AdminLoginCheck =
  | { result: 'success' | 'wrong_password'; admin: Admin }
  | { result: 'unknown_admin'; admin: null };

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface FirstStartCredentials {
  username: string;
  password: string;
  apiKey: string;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Administrators and their API keys, apart from the directory's users. */
export class AdminService {
  constructor(private readonly db: Db, private readonly passwordCost: number) {}

  /**
   * Creates the first administrator and an API key when there is none. The credentials
   * are returned once, for the caller to print; they are stored only as hashes. Admin,
   * key and event are one transaction: a crash cannot leave an administrator whose
   * password nobody was ever shown.
   */
  async ensureFirstAdmin(): Promise<FirstStartCredentials | null> {
    if (await this.anyAdmin(this.db)) return null;
    const password = generatePassword();
    const passwordHash = await hashPassword(password, this.passwordCost);
    return this.db.transaction().execute(async (trx) => {
      // Checked again inside the transaction: another process may have started too.
      if (await this.anyAdmin(trx)) return null;
      const admin: Admin = { id: randomUUID(), username: 'admin' };
      await trx.insertInto('admins').values({
        id: admin.id, username: admin.username, password_hash: passwordHash, created_at: now(),
      }).execute();
      await recordEvent(trx, {
        type: 'admin_create', initiator: SYSTEM, outcome: 'success',
        resource: { type: 'admin', id: admin.id, name: admin.username },
        details: { reason: 'first start' },
      });
      const { key } = await insertApiKey(trx, admin, 'first-start key', SYSTEM);
      return { username: admin.username, password, apiKey: key };
    });
  }

  private async anyAdmin(db: Db): Promise<boolean> {
    return (await db.selectFrom('admins').select('id').executeTakeFirst()) !== undefined;
  }

  /** The administrator named `username`; 404 when there is none. */
  async byUsername(username: string): Promise<Admin> {
    const row = await this.db.selectFrom('admins').select(['id', 'username'])
      .where('username', '=', adminName(username)).executeTakeFirst();
    if (!row) throw notFound('Administrator');
    return row;
  }

  /**
   * Gives the administrator a new generated password and returns it, once, for an
   * operator who lost the first-start one. Throws 404 for an unknown name.
   */
  async resetPassword(username: string, actor: Actor): Promise<string> {
    const admin = await this.byUsername(username);
    const password = generatePassword();
    const passwordHash = await hashPassword(password, this.passwordCost);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('admins').set({ password_hash: passwordHash })
        .where('id', '=', admin.id).execute();
      // Whoever signed in with the old password is signed out with it.
      await endSessionsOfAdmin(trx, admin.id);
      await recordEvent(trx, {
        type: 'admin_password_reset', initiator: actor, outcome: 'success',
        resource: { type: 'admin', id: admin.id, name: admin.username },
      });
    });
    return password;
  }

  async createAdmin(username: string, password: string): Promise<Admin> {
    const admin = { id: randomUUID(), username: adminName(username) };
    await this.db.insertInto('admins').values({
      id: admin.id, username: admin.username, password_hash: await hashPassword(password, this.passwordCost),
      created_at: now(),
    }).execute();
    return admin;
  }

  /** The administrator named exactly `username`, if there is one. */
  async find(username: string): Promise<Admin | undefined> {
    return this.db.selectFrom('admins').select(['id', 'username'])
      .where('username', '=', adminName(username)).executeTakeFirst();
  }

  /**
   * Checks an administrator's login and tells how it ended, for the event log; the
   * person signing in is never told which part was wrong. Takes the same time whether
   * or not the name exists.
   */
  async checkLogin(username: string, password: string): Promise<AdminLoginCheck> {
    const row = await this.db.selectFrom('admins').selectAll()
      .where('username', '=', adminName(username)).executeTakeFirst();
    if (!row) {
      await verifyAgainstDummy(password, this.passwordCost);
      return { result: 'unknown_admin', admin: null };
    }
    const admin = { id: row.id, username: row.username };
    return (await verifyPassword(password, row.password_hash))
      ? { result: 'success', admin } : { result: 'wrong_password', admin };
  }

  /** The administrator whose credentials these are, or null. */
  async verifyLogin(username: string, password: string): Promise<Admin | null> {
    const check = await this.checkLogin(username, password);
    return check.result === 'success' ? check.admin : null;
  }

  /**
   * A new API key for `admin`, the key itself in this answer only; its event names
   * `actor` (the administrator itself unless told).
   */
  async createApiKey(admin: Admin, name: string, actor: Actor = actorOf(admin)):
    Promise<{ key: string; info: ApiKeyInfo }> {
    return this.db.transaction().execute((trx) => insertApiKey(trx, admin, name, actor));
  }

  async listApiKeys(): Promise<ApiKeyInfo[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
    return rows.map(toInfo);
  }

  async revokeApiKey(id: string, actor: Actor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('api_keys').selectAll().where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('API key');
      if (row.revoked_at) return;
      await trx.updateTable('api_keys').set({ revoked_at: now() }).where('id', '=', id).execute();
      await recordEvent(trx, {
        type: 'api_key_revoke', initiator: actor, outcome: 'success',
        resource: { type: 'api_key', id, name: row.name },
      });
    });
  }

  /** The administrator owning a live key, or null for an unknown or revoked key. */
  async authenticateApiKey(key: string): Promise<Admin | null> {
    if (!key.startsWith(KEY_PREFIX)) return null;
    const row = await this.db.selectFrom('api_keys')
      .innerJoin('admins', 'admins.id', 'api_keys.admin_id')
      .select(['api_keys.id as keyId', 'api_keys.revoked_at', 'api_keys.last_used_at',
        'admins.id', 'admins.username'])
      .where('api_keys.key_hash', '=', hashKey(key)).executeTakeFirst();
    if (!row || row.revoked_at) return null;
    const time = now();
    // Recording every use would write on every request; once a minute is enough to tell
    // an administrator which keys are still in use.
    if (!row.last_used_at || Date.parse(time) - Date.parse(row.last_used_at) > 60_000) {
      await this.db.updateTable('api_keys').set({ last_used_at: time })
        .where('id', '=', row.keyId).execute();
    }
    return { id: row.id, username: row.username };
  }
}

/** Stores a new key's hash and records the event, inside the caller's transaction. */
async function insertApiKey(trx: Db, admin: Admin, name: string,
  actor: Actor = actorOf(admin)): Promise<{ key: string; info: ApiKeyInfo }> {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const row = {
    id: randomUUID(), admin_id: admin.id, name, prefix: key.slice(0, KEY_PREFIX.length + 6),
    key_hash: hashKey(key), created_at: now(), last_used_at: null, revoked_at: null,
  };
  await trx.insertInto('api_keys').values(row).execute();
  await recordEvent(trx, {
    type: 'api_key_create', initiator: actor, outcome: 'success',
    resource: { type: 'api_key', id: row.id, name },
  });
  return { key, info: toInfo(row) };
}

/**
 * An administrator's name as stored: trimmed and in lower case (ASCII), which is also how
 * the login limit counts failures. "ADMIN" and " admin" are the administrator "admin",
 * so the event log names who a failed attempt was aimed at, and a lockout and the log
 * agree on it.
 */
export function adminName(typed: string): string {
  return typed.trim().toLowerCase();
}

/** The administrator as the initiator of events. */
export function actorOf(admin: Admin): Actor {
  return { type: 'admin', id: admin.id, name: admin.username };
}

function toInfo(row: { id: string; name: string; prefix: string; created_at: string;
  last_used_at: string | null; revoked_at: string | null }): ApiKeyInfo {
  return {
    id: row.id, name: row.name, prefix: row.prefix, createdAt: row.created_at,
    lastUsedAt: row.last_used_at, revokedAt: row.revoked_at,
  };
}

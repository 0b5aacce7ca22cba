import session, { type SessionData, Store } from 'express-session';
import type { RequestHandler } from 'express';
import type { Db } from '../store/db.js';
import { now } from '../store/db.js';

declare module 'express-session' {
  interface SessionData {
    /** Directory user signed in to the user console and SSO. */
    userId?: string;
    /** When that user last entered credentials (ISO-8601); SAML AuthnInstant. */
    authnInstant?: string;
    /** Administrator signed in to the admin portal (never a directory user). */
    adminId?: string;
    /** Per-session secret for CSRF tokens. */
    csrfSecret?: string;
    /** Page to continue with after login (a local path only). */
    returnTo?: string;
    /** State the SAML endpoint keeps while the user logs in. */
    pendingSaml?: Record<string, unknown>;
    /** One notice shown on the next page (after a redirect). */
    flash?: { kind: 'success' | 'error'; message: string };
  }
}

/** Smallest move of a session's stored expiry worth a database write, in milliseconds. */
const TOUCH_STEP_MS = 60_000;

/** Sessions whose stored expiry this process remembers; beyond this the oldest is dropped. */
const REMEMBERED_EXPIRIES = 50_000;

/** Sessions in the service's own database, so a restart signs nobody out. */
export class DatabaseSessionStore extends Store {
  private lastSweep = 0;
  /**
   * A lower bound of each session's expiry in the database, in epoch milliseconds, as
   * this process last read or wrote it. Another service process may only have moved an
   * expiry later, so the bound stays true on a shared database.
   */
  private readonly storedExpiry = new Map<string, number>();

  constructor(private readonly db: Db) {
    super();
  }

  override get(sid: string, done: (err: unknown, data?: SessionData | null) => void): void {
    this.db.selectFrom('sessions').select(['data', 'expires_at']).where('sid', '=', sid)
      .executeTakeFirst()
      .then((row) => {
        const live = row !== undefined && row.expires_at > now();
        if (live) this.remember(sid, Date.parse(row.expires_at));
        done(null, live ? JSON.parse(row.data) as SessionData : null);
      })
      .catch(done);
  }

  override set(sid: string, data: SessionData, done?: (err?: unknown) => void): void {
    const values = { data: JSON.stringify(data), expires_at: expiry(data),
      user_id: data.userId ?? null, admin_id: data.adminId ?? null };
    this.db.insertInto('sessions').values({ sid, ...values })
      .onConflict((oc) => oc.column('sid').doUpdateSet(values)).execute()
      .then(() => this.remember(sid, Date.parse(values.expires_at)))
      .then(() => this.sweep()).then(() => done?.(), (err: unknown) => done?.(err));
  }

  /**
   * Moves the expiry of a rolling session forward. Writing it on every request cost a
   * database write per sign-in; an expiry that would move by less than TOUCH_STEP_MS is
   * left alone, so a session may end up to that much sooner than its cookie says, never
   * later. When the remembered expiry shows the move is too small, no query is made.
   */
  override touch(sid: string, data: SessionData, done?: (err?: unknown) => void): void {
    const expires = Date.parse(expiry(data));
    const known = this.storedExpiry.get(sid);
    if (known !== undefined && expires - known < TOUCH_STEP_MS) {
      done?.();
      return;
    }
    this.db.updateTable('sessions').set({ expires_at: new Date(expires).toISOString() })
      .where('sid', '=', sid)
      .where('expires_at', '<', new Date(expires - TOUCH_STEP_MS).toISOString())
      .executeTakeFirst()
      .then((result) => {
        // Not updated: the stored expiry was at least a step below `expires` already.
        const moved = result.numUpdatedRows > 0n;
        this.remember(sid, moved ? expires : expires - TOUCH_STEP_MS);
        done?.();
      }, (err: unknown) => done?.(err));
  }

  override destroy(sid: string, done?: (err?: unknown) => void): void {
    this.storedExpiry.delete(sid);
    this.db.deleteFrom('sessions').where('sid', '=', sid).execute()
      .then(() => done?.(), (err: unknown) => done?.(err));
  }

  private remember(sid: string, expiresMs: number): void {
    this.storedExpiry.delete(sid);
    if (this.storedExpiry.size >= REMEMBERED_EXPIRIES) {
      this.storedExpiry.delete(this.storedExpiry.keys().next().value!);
    }
    this.storedExpiry.set(sid, expiresMs);
  }

  /** Removes expired sessions, at most once a minute. */
  private async sweep(): Promise<void> {
    const t = Date.now();
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now()).execute();
  }
}

/**
 * Ends every console session of a directory user, inside the caller's transaction: a
 * password reset must shut out whoever signed in with the old password, and a deleted
 * user must have no session left. A process that still remembers such a session's expiry
 * only skips a write; its next read finds the session gone.
 */
export async function endSessionsOfUser(trx: Db, userId: string): Promise<void> {
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/** Ends every admin portal session of an administrator, inside the caller's transaction. */
export async function endSessionsOfAdmin(trx: Db, adminId: string): Promise<void> {
  await trx.deleteFrom('sessions').where('admin_id', '=', adminId).execute();
}

/**
 * Idle lifetime of a session nobody has signed in with (a login form's CSRF secret, a
 * sign-in waiting for its login), in milliseconds. Any visitor makes one, so they must
 * not pile up for the eight hours a signed-in session lasts.
 */
const ANONYMOUS_IDLE_MS = 3600_000;

/** When the stored session expires: its cookie's expiry, sooner when nobody signed in. */
function expiry(data: SessionData): string {
  const expires = data.cookie?.expires;
  const cookie = expires ? new Date(expires).getTime() : Date.now() + 8 * 3600_000;
  const signedIn = data.userId !== undefined || data.adminId !== undefined;
  return new Date(signedIn ? cookie : Math.min(cookie, Date.now() + ANONYMOUS_IDLE_MS))
    .toISOString();
}

/** Cookie of the user console and SSO session (every path but /admin). */
export const CONSOLE_COOKIE = 'idp.sid';
/** Cookie of the admin portal session, sent to /admin paths only. */
export const ADMIN_COOKIE = 'idp.admin.sid';

export interface SessionOptions {
  /** Cookie name: CONSOLE_COOKIE or ADMIN_COOKIE. */
  name: string;
  /** Path the cookie is sent to. Default `/`. */
  path?: string;
  secret: string;
  /** Secure cookies when the public URL is https. */
  secure: boolean;
  /** Idle lifetime in milliseconds. Default 8 hours. */
  maxAgeMs?: number;
}

/**
 * Session middleware for the browser-facing pages (never for the JSON API). The user
 * console and the admin portal each get their own, under their own cookie: signing in
 * to one, or out of it, leaves the other as it was, and a directory user's session can
 * never be the one an admin page reads.
 */
export function sessionMiddleware(db: Db, options: SessionOptions): RequestHandler {
  return session({
    name: options.name,
    secret: options.secret,
    store: new DatabaseSessionStore(db),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      path: options.path ?? '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      maxAge: options.maxAgeMs ?? 8 * 3600_000,
    },
  });
}

import { type Request, type RequestHandler, Router } from 'express';
import type { AppContext } from '../../context.js';
import {
  type Admin, type AdminLoginCheck, actorOf, adminName,
} from '../../directory/admins.js';
import { LoginThrottle } from '../../directory/login-failures.js';
import { HttpError } from '../../http/errors.js';
import { ADMIN_COOKIE } from '../../http/session.js';
import { formValues, notify, pageCsrf, sendPage, takeNotice } from '../../http/pages.js';
import { recordEvent } from '../../insights/events.js';
import { loginPage } from '../../views/admin/login.js';
import { EMPTY_FORM } from '../../views/forms.js';

/** Where to go after login: a path of the admin portal only, never another site. */
function safeNext(raw: unknown): string {
  return typeof raw === 'string' && /^\/admin(\/[A-Za-z0-9/_?=&%.-]*)?$/.test(raw)
    && !raw.startsWith('//') ? raw : '/admin/applications';
}

/** Replaces the session (and so its id) at login, which stops session fixation. */
function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((e) => (e ? reject(e)
    : resolve())));
}

function destroy(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((e) => (e ? reject(e)
    : resolve())));
}

/** A login refused before the password was checked: too many failures. */
interface FailedLogin { result: 'locked_out'; admin: Admin | null }

/**
 * Failed admin logins allowed per administrator name (from any address) and per client
 * address (for any name) within 15 minutes; counted in the database, so a restart does
 * not lift them.
 */
const ADMIN_LOGIN_LIMITS = {
  perName: { failures: 10, windowSeconds: 15 * 60 },
  perAddress: { failures: 30, windowSeconds: 15 * 60 },
};

/** Longest typed name kept in the event log. */
const TYPED_NAME_MAX = 128;

/**
 * Records a failed admin login. The initiator is the administrator only when the name
 * is one; a name that is not stays in the details, so that whatever anyone types
 * cannot pass for an administrator in the event log.
 */
async function recordFailedLogin(ctx: AppContext, check: FailedLogin | AdminLoginCheck,
  typed: string, address: string): Promise<void> {
  const { admin } = check;
  await recordEvent(ctx.db, { type: 'admin_login', outcome: 'failure',
    initiator: admin ? actorOf(admin) : { type: 'admin', id: null, name: null },
    resource: admin ? { type: 'admin', id: admin.id, name: admin.username }
      : { type: 'admin' },
    details: { reason: check.result, address,
      ...(admin ? {} : { username: typed.trim().slice(0, TYPED_NAME_MAX) }) } });
}

/** Login and logout of the admin portal. Administrators only; directory users never. */
export function adminAuthPages(ctx: AppContext): Router {
  const router = Router();
  const throttle = new LoginThrottle(ctx.db, ADMIN_LOGIN_LIMITS, 'admin');

  router.get('/login', (req, res) => {
    const notice = req.query.loggedOut === '1'
      ? { kind: 'success' as const, message: 'You are logged out.' } : takeNotice(req);
    sendPage(res, loginPage({ title: 'Admin login', csrf: pageCsrf(req), notice },
      EMPTY_FORM, safeNext(req.query.next)));
  });

  router.post('/login', async (req, res) => {
    const { username = '', password = '' } = formValues(req.body);
    const next = safeNext(req.body?.next);
    const address = req.ip ?? 'unknown';
    const blocked = await throttle.isLocked(adminName(username), address);
    const check: FailedLogin | AdminLoginCheck = blocked
      ? { result: 'locked_out', admin: (await ctx.admins.find(username)) ?? null }
      : await ctx.admins.checkLogin(username, password);
    if (check.result !== 'success') {
      if (!blocked) await throttle.countFailure(adminName(username), address);
      await recordFailedLogin(ctx, check, username, address);
      const message = blocked ? 'Too many failed attempts. Wait 15 minutes and try again.'
        : 'The username or password is wrong.';
      sendPage(res, loginPage({ title: 'Admin login', csrf: pageCsrf(req),
        notice: { kind: 'error', message } }, { values: { username }, errors: {} }, next),
      blocked ? 429 : 401);
      return;
    }
    const { admin } = check;
    await throttle.forget(adminName(username));
    await regenerate(req);
    req.session.adminId = admin.id;
    await recordEvent(ctx.db, { type: 'admin_login', outcome: 'success',
      initiator: actorOf(admin), resource: { type: 'admin', id: admin.id,
        name: admin.username } });
    notify(req, 'success', `Welcome, ${admin.username}.`);
    res.redirect(303, next);
  });

  router.post('/logout', async (req, res) => {
    await destroy(req);
    res.clearCookie(ADMIN_COOKIE, { path: '/admin' });
    res.redirect(303, '/admin/login?loggedOut=1');
  });

  return router;
}

/**
 * Lets only a signed-in administrator through; the administrator must still exist.
 * A directory user's session has no adminId, so it never passes. Pages answer with a
 * redirect to the login page, form posts with 401.
 */
export function requireAdmin(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const adminId = req.session.adminId;
    const admin = adminId ? await ctx.db.selectFrom('admins').select(['id', 'username'])
      .where('id', '=', adminId).executeTakeFirst() : undefined;
    if (admin) {
      req.actor = actorOf(admin);
      return next();
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    throw new HttpError(401, 'login_required', 'Log in as an administrator first.');
  };
}

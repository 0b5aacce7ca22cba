import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import type { AppContext } from '../context.js';
import { HttpError } from '../http/errors.js';
import { recordEvent } from '../insights/events.js';
import { requireCsrf } from '../http/csrf.js';
import { CONSOLE_COOKIE } from '../http/session.js';
import { htmlErrorHandler, pageCsrf, sendPage, takeNotice } from '../http/pages.js';
import { consoleErrorPage, consoleHomePage, consoleLoginPage } from '../views/console.js';
import type { Notice } from '../views/layout.js';
import { PasswordLogin } from './authenticate.js';

/** A continuation is a local path only: never another host, never a scheme. */
export function safeContinue(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return '/';
  return value;
}

/**
 * A form post from another site is refused: the browser names the page's origin, and
 * it must be this service (login CSRF would sign a victim into an attacker's account).
 */
function sameOrigin(ctx: AppContext): RequestHandler {
  const own = new URL(ctx.config.publicUrl).origin;
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && origin !== own && origin !== `${req.protocol}://${req.get('host')}`) {
      showLogin(req, res, '/', '', { kind: 'error',
        message: 'This form was sent from another site.' }, 403);
      return;
    }
    next();
  };
}

/** Regenerates the session id at login, keeping the sign-ins waiting for it. */
function regenerate(req: Request): Promise<void> {
  const pending = req.session.pendingSaml;
  return new Promise((resolve, reject) => {
    req.session.regenerate((error: unknown) => {
      if (error) {
        reject(error);
        return;
      }
      if (pending) req.session.pendingSaml = pending;
      resolve();
    });
  });
}

/** The console's login form, with what was typed (never the password) and a notice. */
function showLogin(req: Request, res: Response, continueTo: string, username: string,
  notice: Notice | undefined, status = 200): void {
  sendPage(res, consoleLoginPage({ title: 'Sign in · User Console', csrf: pageCsrf(req),
    notice }, { values: username ? { username } : {}, errors: {} }, continueTo), status);
}

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (handler: Handler): RequestHandler =>
  (req, res, next) => { handler(req, res).catch(next); };

async function login(ctx: AppContext, passwords: PasswordLogin, req: Request, res: Response):
  Promise<void> {
  const form = (req.body ?? {}) as Record<string, unknown>;
  const username = typeof form.username === 'string' ? form.username.slice(0, 256) : '';
  const password = typeof form.password === 'string' ? form.password.slice(0, 1024) : '';
  // The form's hidden continuation first; a page that sent the browser here may have
  // left one in the session instead.
  const continueTo = safeContinue(form.continue ?? req.session.returnTo);
  try {
    const user = await passwords.authenticate(username, password, req.ip ?? 'unknown');
    await regenerate(req);
    delete req.session.returnTo;
    req.session.userId = user.id;
    req.session.authnInstant = new Date().toISOString();
    await recordEvent(ctx.db, { type: 'user_login_attempt', outcome: 'success',
      initiator: { type: 'user', id: user.id, name: user.username },
      resource: { type: 'user', id: user.id, name: user.username } });
    res.redirect(303, continueTo);
  } catch (error) {
    if (!(error instanceof HttpError) || error.status >= 500) throw error;
    await recordEvent(ctx.db, { type: 'user_login_attempt', outcome: 'failure',
      initiator: { type: 'user', id: null, name: null },
      resource: { type: 'user', name: username.slice(0, 100) },
      details: { reason: error.code, address: req.ip } });
    showLogin(req, res, continueTo, username, { kind: 'error', message: error.message },
      error.status);
  }
}

async function home(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const user = req.session.userId
    ? await ctx.users.get(req.session.userId).catch(() => null) : null;
  if (!user || user.status !== 'active') {
    res.redirect(303, '/login?continue=%2F');
    return;
  }
  // A tile whose application lacks its SP entity ID or ACS URL would only lead to an
  // error page, so it waits until single sign-on is configured.
  const apps = (await ctx.saml.withSsoStatus(await ctx.applications.applicationsOfUser(
    user.id))).filter((a) => a.showInPortal && a.ssoActive && a.ssoConfigured);
  const frame = { title: 'Applications · User Console', csrf: pageCsrf(req),
    notice: takeNotice(req), user: user.displayName || user.username };
  // A tile starts IdP-initiated sign-in: the IdP URL without a request.
  sendPage(res, consoleHomePage(frame, apps.map((a) => ({
    label: a.label, description: a.description, href: `/saml2/${a.customValue}`,
    portalImage: a.portalImage, portalColor: a.portalColor, portalLogo: a.portalLogo,
  }))));
}

/** The login page, logout and the user portal home. Mount after the session middleware. */
export function portalRouter(ctx: AppContext): Router {
  const router = Router();
  const passwords = new PasswordLogin(ctx.db, ctx.users, ctx.config.passwordHashCost);
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

  router.get('/login', (req, res) => {
    const notice = req.query.loggedOut === '1'
      ? { kind: 'success' as const, message: 'You are signed out.' } : takeNotice(req);
    showLogin(req, res, safeContinue(req.query.continue ?? req.session.returnTo), '', notice);
  });
  // Both forms carry the session's CSRF token: a forged login would sign the victim in
  // to an attacker's account, a forged logout would end the victim's session.
  router.post('/login', sameOrigin(ctx), form, requireCsrf,
    wrap((req, res) => login(ctx, passwords, req, res)));
  router.post('/logout', sameOrigin(ctx), form, requireCsrf, (req, res, next) => {
    req.session.destroy((error: unknown) => {
      if (error) {
        next(error);
        return;
      }
      res.clearCookie(CONSOLE_COOKIE).redirect(303, '/login?loggedOut=1');
    });
  });
  router.get('/', wrap((req, res) => home(ctx, req, res)));
  router.use(htmlErrorHandler(ctx.logger, (req, status, message) => consoleErrorPage(
    { title: 'User Console', csrf: pageCsrf(req) }, status, message)));
  return router;
}

import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import type { AppContext } from '../context.js';
import { HttpError } from '../http/errors.js';
import { recordEvent } from '../insights/events.js';
import { loginPage } from '../views/login.js';
import { portalPage } from '../views/portal.js';
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
      res.status(403).type('html').send(loginPage({ continueTo: '/',
        error: 'This form was sent from another site.' }));
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

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (handler: Handler): RequestHandler =>
  (req, res, next) => { handler(req, res).catch(next); };

async function login(ctx: AppContext, passwords: PasswordLogin, req: Request, res: Response):
  Promise<void> {
  const form = (req.body ?? {}) as Record<string, unknown>;
  const username = typeof form.username === 'string' ? form.username.slice(0, 256) : '';
  const password = typeof form.password === 'string' ? form.password.slice(0, 1024) : '';
  const continueTo = safeContinue(form.continue);
  try {
    const user = await passwords.authenticate(username, password, req.ip ?? 'unknown');
    await regenerate(req);
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
    res.status(error.status).type('html')
      .send(loginPage({ continueTo, username, error: error.message }));
  }
}

async function home(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const user = req.session.userId
    ? await ctx.users.get(req.session.userId).catch(() => null) : null;
  if (!user || user.status !== 'active') {
    res.redirect(303, '/login?continue=%2F');
    return;
  }
  const apps = (await ctx.applications.applicationsOfUser(user.id))
    .filter((a) => a.showInPortal && a.ssoActive);
  res.set('Cache-Control', 'no-store').type('html').send(portalPage(
    user.displayName || user.username, apps.map((a) => ({
      label: a.label, description: a.description, href: `/saml2/${a.customValue}`,
      color: a.portalColor, logo: a.portalImage === 'logo' ? a.portalLogo : null,
    }))));
}

/** The login page, logout and the user portal home. Mount after the session middleware. */
export function portalRouter(ctx: AppContext): Router {
  const router = Router();
  const passwords = new PasswordLogin(ctx.users, ctx.config.passwordHashCost);
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

  router.get('/login', (req, res) => {
    res.set('Cache-Control', 'no-store').type('html')
      .send(loginPage({ continueTo: safeContinue(req.query.continue) }));
  });
  router.post('/login', sameOrigin(ctx), form,
    wrap((req, res) => login(ctx, passwords, req, res)));
  router.post('/logout', sameOrigin(ctx), (req, res, next) => {
    req.session.destroy((error: unknown) => {
      if (error) {
        next(error);
        return;
      }
      res.clearCookie('idp.sid').redirect(303, '/login');
    });
  });
  router.get('/', wrap((req, res) => home(ctx, req, res)));
  return router;
}

import { randomBytes } from 'node:crypto';
import express, {
  type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router,
} from 'express';
import type { Application } from '../applications/service.js';
import type { AppContext } from '../context.js';
import type { User } from '../directory/users.js';
import { toHttpError } from '../http/errors.js';
import { postFormPage, samlErrorPage } from '../views/saml.js';
import { checkAuthnRequest, type IncomingRequest, purgeRequestIds } from './authn-request.js';
import { refuse, SamlRefusal } from './refusal.js';
import { checkRelayState, MAX_ENCODED_REQUEST_BYTES } from './request-decode.js';
import { redirectParams } from './request-signature.js';
import { openResumeLink, resumeLink } from './resume.js';
import type { SamlSettings } from './settings.js';
import {
  checkSsoActive, completeSignIn, findApplication, nameIdPolicyRefused, type PendingSignIn,
  recordSignIn, type SessionUser, signedStatusResponse, type SignInOutcome,
} from './signin.js';

/*
 * The IdP endpoints of each application, /saml2/<customValue>. Every request runs the
 * same pipeline: find the application, check SSO is on, read and check the request (if
 * any), load the session, decide access, sign, deliver by auto-submitting form. A
 * refusal at any step is an error page and an event, and nothing is signed.
 */

/** Largest POST body the SAML endpoints read, in bytes. */
export const MAX_SAML_BODY_BYTES = 2 * MAX_ENCODED_REQUEST_BYTES;
/** Pending sign-ins kept per session (one per open tab, oldest dropped). */
const MAX_PENDING = 8;

interface Locals {
  app?: Application;
  user?: User | null;
  binding?: string;
}

function locals(res: Response): Locals {
  return res.locals as Locals;
}

/** The query string exactly as the browser sent it (signatures cover these octets). */
function rawQuery(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at + 1);
}

async function sessionUser(ctx: AppContext, req: Request): Promise<SessionUser> {
  const userId = req.session.userId;
  const user = userId ? await ctx.users.get(userId).catch(() => null) : null;
  return { user, authnInstant: req.session.authnInstant ?? null, sessionId: req.sessionID };
}

/**
 * Sends the HTTP-POST binding form. The page may run only its own script, load only this
 * service's stylesheet, and post only to the ACS URL's origin.
 */
function deliver(res: Response, outcome: Extract<SignInOutcome, { kind: 'response' }>): void {
  const nonce = randomBytes(16).toString('base64');
  res.set({
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; `
      + `style-src 'self'; form-action ${new URL(outcome.acsUrl).origin}; `
      + "frame-ancestors 'none'",
  });
  // end() rather than send(): a signed response is never reused, so hashing it for an
  // ETag would only cost time on the hot path.
  const html = postFormPage({ acsUrl: outcome.acsUrl, nonce,
    samlResponse: outcome.samlResponse, relayState: outcome.relayState });
  res.status(200).type('html').set('Content-Length', String(Buffer.byteLength(html)))
    .end(html);
}

/** Keeps the pending sign-in in the session and sends the browser to the login page. */
function sendToLogin(req: Request, res: Response, app: Application, pending: PendingSignIn):
  void {
  const key = randomBytes(12).toString('base64url');
  const all = { ...(req.session.pendingSaml ?? {}), [key]: pending };
  const keys = Object.keys(all);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PENDING))) delete all[old];
  req.session.pendingSaml = all;
  const continueTo = `/saml2/${app.customValue}/continue?k=${key}`;
  res.redirect(303, `/login?continue=${encodeURIComponent(continueTo)}`);
}

/** Runs the end of the pipeline for a pending sign-in and answers the browser. */
async function finish(ctx: AppContext, req: Request, res: Response, opened: Opened,
  pending: PendingSignIn): Promise<void> {
  const { app, settings } = opened;
  const session = await sessionUser(ctx, req);
  locals(res).user = session.user;
  const outcome = await completeSignIn(ctx, app, settings, pending, session);
  if (outcome.kind === 'login') {
    sendToLogin(req, res, app, pending);
    return;
  }
  await recordSignIn(ctx, outcome.failure
    ? { type: 'sso_request_rejected', app, user: session.user, reason: outcome.failure,
      details: { requestId: pending.requestId } }
    : { type: 'sso_login_success', app, user: session.user, reason: 'signed_in',
      details: { requestId: pending.requestId, binding: locals(res).binding,
        acsUrl: pending.acsUrl } });
  deliver(res, outcome);
}

interface Opened {
  app: Application;
  settings: SamlSettings;
}

/** Application, SSO on, settings complete: the first steps of every endpoint. */
async function openApplication(ctx: AppContext, res: Response, customValue: string):
  Promise<Opened> {
  const app = await findApplication(ctx, customValue);
  locals(res).app = app;
  checkSsoActive(app);
  return { app, settings: await ctx.saml.readySettings(app.id) };
}

/**
 * SP-initiated: check the AuthnRequest and answer a bad NameIDPolicy. Returns the
 * pending sign-in, or null when a status response was already delivered.
 */
async function checkSpInitiated(ctx: AppContext, res: Response, opened: Opened,
  incoming: IncomingRequest, relayState: string | undefined): Promise<PendingSignIn | null> {
  const { app, settings } = opened;
  const request = await checkAuthnRequest(incoming, {
    db: ctx.db, applicationId: app.id, settings, endpointUrl: ctx.saml.idpUrl(app),
  });
  const pending: PendingSignIn = {
    applicationId: app.id, requestId: request.id, acsUrl: request.acsUrl, relayState,
    forceAuthn: request.forceAuthn, isPassive: request.isPassive,
    receivedAt: new Date().toISOString(),
  };
  if (!nameIdPolicyRefused(request.nameIdPolicyFormat, settings)) return pending;
  await recordSignIn(ctx, { type: 'sso_request_rejected', app, user: null,
    reason: 'invalid_nameid_policy', details: { requestId: request.id,
      format: request.nameIdPolicyFormat } });
  deliver(res, { kind: 'response', acsUrl: request.acsUrl, relayState,
    samlResponse: await signedStatusResponse(ctx, app, pending, 'invalid_nameid_policy') });
  return null;
}

/** IdP-initiated: no request, the registered default ACS URL. */
async function startIdpInitiated(ctx: AppContext, req: Request, res: Response,
  opened: Opened, relayState: string | undefined): Promise<void> {
  await finish(ctx, req, res, opened, {
    applicationId: opened.app.id, requestId: null, acsUrl: opened.settings.defaultAcsUrl!,
    relayState,
    forceAuthn: false, isPassive: false, receivedAt: new Date().toISOString(),
  });
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw refuse('duplicate_parameter', `The parameter ${name} must appear once.`);
  }
  return value;
}

type Handler = (req: Request<{ customValue: string }>, res: Response) => Promise<void>;

const wrap = (handler: Handler): RequestHandler<{ customValue: string }> =>
  (req, res, next) => { handler(req, res).catch(next); };

/** Event type of a refusal: access decisions are denials, the rest rejected requests. */
function refusalEventType(code: string) {
  return code === 'access_denied' || code === 'user_suspended' || code === 'sso_inactive'
    ? 'sso_login_denied' as const : 'sso_request_rejected' as const;
}

/**
 * The user a refusal is recorded for: the one the pipeline already loaded, else the
 * browser's signed-in user, so a refused request check still names who sent it.
 */
async function refusedUser(ctx: AppContext, req: Request, res: Response):
  Promise<User | null> {
  const known = locals(res).user;
  if (known !== undefined) return known;
  const userId = req.session?.userId;
  return userId ? ctx.users.get(userId).catch(() => null) : null;
}

/** Refusals become an error page and an event; other failures a generic page. */
function refusalPage(ctx: AppContext): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const httpError = error instanceof SamlRefusal ? error : toHttpError(error);
    if (httpError.status >= 500) {
      ctx.logger.error({ category: 'saml', reqId: req.id, err: error }, 'sign-in failed');
    }
    const { app } = locals(res);
    const code = httpError.code === 'payload_too_large' ? 'request_too_large' : httpError.code;
    refusedUser(ctx, req, res)
      .then((user) => recordSignIn(ctx, { type: refusalEventType(code), app: app ?? null,
        user, reason: code, details: { binding: locals(res).binding,
          customValue: req.params.customValue } }))
      .catch((e: unknown) => ctx.logger.error({ category: 'saml', err: e }, 'event not written'))
      .finally(() => {
        const message = httpError.expose ? httpError.message : 'Sign-in failed.';
        res.status(httpError.status).type('html')
          .send(samlErrorPage('Sign-in refused', message, code));
      });
  };
}

/** Router of the SAML endpoints; mount after the session middleware. */
export function samlRouter(ctx: AppContext): Router {
  const router = Router();
  const body = express.urlencoded({ extended: false, limit: MAX_SAML_BODY_BYTES,
    parameterLimit: 10 });
  setInterval(() => { purgeRequestIds(ctx.db).catch(() => {}); }, 60_000).unref();

  // Express answers HEAD with the GET handler. A GET here spends the request ID, signs a
  // response and records a sign-in, none of which a link checker's HEAD may cause.
  router.head(['/saml2/:customValue', '/saml2/:customValue/:step'], (req, res, next) => {
    if (req.params.step === 'metadata') {
      next();
      return;
    }
    res.status(405).set('Allow', req.params.step ? 'GET' : 'GET, POST').end();
  });

  router.get('/saml2/:customValue/metadata', wrap(async (req, res) => {
    const app = await findApplication(ctx, req.params.customValue);
    locals(res).app = app;
    res.type('application/samlmetadata+xml').send(await ctx.saml.metadata(app));
  }));

  router.get('/saml2/:customValue', wrap(async (req, res) => {
    locals(res).binding = 'redirect';
    const raw = rawQuery(req);
    if (Buffer.byteLength(raw) > 2 * MAX_ENCODED_REQUEST_BYTES) {
      throw refuse('request_too_large', 'The request is larger than allowed.', 414);
    }
    const opened = await openApplication(ctx, res, req.params.customValue);
    const { samlRequest, relayState } = redirectParams(raw);
    checkRelayState(relayState);
    if (samlRequest === undefined) {
      locals(res).binding = 'idp-initiated';
      await startIdpInitiated(ctx, req, res, opened, relayState);
      return;
    }
    const pending = await checkSpInitiated(ctx, res, opened,
      { binding: 'redirect', encoded: samlRequest, rawQuery: raw }, relayState);
    if (pending) await finish(ctx, req, res, opened, pending);
  }));

  router.post('/saml2/:customValue', body, wrap(async (req, res) => {
    locals(res).binding = 'post';
    const opened = await openApplication(ctx, res, req.params.customValue);
    const form = (req.body ?? {}) as Record<string, unknown>;
    const samlRequest = single(form.SAMLRequest, 'SAMLRequest');
    const relayState = checkRelayState(single(form.RelayState, 'RelayState'));
    if (!samlRequest) throw refuse('missing_request', 'The POST carries no SAMLRequest.');
    const pending = await checkSpInitiated(ctx, res, opened,
      { binding: 'post', encoded: samlRequest, rawQuery: '' }, relayState);
    if (pending) res.redirect(303, resumeLink(ctx, opened.app, pending));
  }));

  router.get('/saml2/:customValue/resume', wrap(async (req, res) => {
    locals(res).binding = 'post';
    const opened = await openApplication(ctx, res, req.params.customValue);
    await finish(ctx, req, res, opened, await openResumeLink(ctx, opened.app, req.query.t));
  }));

  router.get('/saml2/:customValue/continue', wrap(async (req, res) => {
    locals(res).binding = 'continue';
    const opened = await openApplication(ctx, res, req.params.customValue);
    const key = typeof req.query.k === 'string' ? req.query.k : '';
    const pending = req.session.pendingSaml?.[key] as PendingSignIn | undefined;
    if (!pending || pending.applicationId !== opened.app.id) {
      throw refuse('no_pending_request', 'This sign-in has expired. Start again from the '
        + 'application.');
    }
    const remaining = { ...req.session.pendingSaml };
    delete remaining[key];
    req.session.pendingSaml = remaining;
    await finish(ctx, req, res, opened, { ...pending, isPassive: false });
  }));

  router.use('/saml2/:customValue', refusalPage(ctx));
  return router;
}

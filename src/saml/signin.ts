import { createHash } from 'node:crypto';
import type { Application } from '../applications/service.js';
import type { AppContext } from '../context.js';
import type { User } from '../directory/users.js';
import { type Actor, recordEvent } from '../insights/events.js';
import { refuse } from './refusal.js';
import {
  buildLoginResponse, buildStatusResponse, STATUS_INVALID_NAMEID_POLICY, STATUS_NO_PASSIVE,
  STATUS_REQUESTER, STATUS_RESPONDER,
} from './response.js';
import { NAMEID_UNSPECIFIED } from './service.js';
import type { SamlSettings } from './settings.js';

/** A sign-in waiting for the user to log in, kept in the session. */
export interface PendingSignIn {
  applicationId: string;
  /** The AuthnRequest ID; null for IdP-initiated sign-in. */
  requestId: string | null;
  acsUrl: string;
  relayState?: string;
  forceAuthn: boolean;
  isPassive: boolean;
  /** When the request arrived (ISO-8601): ForceAuthn wants credentials entered after it. */
  receivedAt: string;
}

/** What the session says about the browser's user. */
export interface SessionUser {
  user: User | null;
  authnInstant: string | null;
  sessionId: string;
}

/** The outcome of a sign-in step: a SAML response to post to the ACS, or a login. */
export type SignInOutcome =
  | { kind: 'response'; acsUrl: string; samlResponse: string; relayState?: string;
    /** Set when the response carries a failure status rather than an assertion. */
    failure?: 'no_passive' | 'invalid_nameid_policy' }
  | { kind: 'login' };

export type SignInEventType = 'sso_login_success' | 'sso_login_denied' | 'sso_request_rejected';

/** Application by its IdP URL value; an unknown one is a 404 refusal. */
export async function findApplication(ctx: AppContext, customValue: string):
  Promise<Application> {
  const app = await ctx.applications.findByCustomValue(customValue);
  if (!app) throw refuse('unknown_application', 'No application has this sign-in address.', 404);
  return app;
}

/** A deactivated application signs nothing. */
export function checkSsoActive(app: Application): void {
  if (!app.ssoActive) {
    throw refuse('sso_inactive', 'Single sign-on to this application is turned off.', 403);
  }
}

/** Access by group: the user must be active and in a group bound to the application. */
export async function checkAccess(ctx: AppContext, app: Application, user: User):
  Promise<void> {
  if (user.status !== 'active') {
    throw refuse('user_suspended', 'Your account cannot sign in to this application.', 403);
  }
  if (!(await ctx.applications.isBound(app.id, user.id))) {
    throw refuse('access_denied', 'You do not have access to this application. Ask an '
      + 'administrator to add you to a group that uses it.', 403);
  }
}

/**
 * The ACS URL a sign-in answers must still be registered when the answer is signed. A
 * sign-in can wait in the session (or a resume link) while the user logs in; an ACS URL
 * the administrator removed meanwhile, perhaps because it was compromised, gets nothing.
 */
function checkAcsStillRegistered(pending: PendingSignIn, settings: SamlSettings): void {
  if (!settings.acsUrls.includes(pending.acsUrl)) {
    throw refuse('acs_not_registered',
      'The ACS URL of this sign-in is no longer registered for this application.');
  }
}

/** True when the user must enter credentials before this sign-in can go on. */
export function needsLogin(pending: PendingSignIn, session: SessionUser): boolean {
  if (!session.user) return true;
  return pending.forceAuthn
    && (!session.authnInstant || session.authnInstant < pending.receivedAt);
}

/** The NameID policy format must be one this application produces (or unspecified). */
export function nameIdPolicyRefused(format: string | null, settings: SamlSettings): boolean {
  return format !== null && format !== NAMEID_UNSPECIFIED && format !== settings.nameIdFormat;
}

function userProperty(user: User, name: string): string {
  const value = (user as unknown as Record<string, unknown>)[name];
  return value === undefined || value === null ? '' : String(value);
}

/** Attribute statements per the application's settings, in their configured order. */
function attributesOf(settings: SamlSettings, user: User): [string, string[]][] {
  return settings.attributes.map((a) => [a.name,
    [a.source === 'constant' ? a.value : userProperty(user, a.value)]]);
}

/** A stable SessionIndex that does not reveal the session cookie's value. */
function sessionIndex(sessionId: string): string {
  return `_${createHash('sha256').update(sessionId).digest('hex').slice(0, 32)}`;
}

/** Builds and signs the login response for an allowed user. */
export async function signedLoginResponse(ctx: AppContext, app: Application,
  settings: SamlSettings, pending: PendingSignIn, session: SessionUser & { user: User }):
  Promise<string> {
  const key = await ctx.saml.certificates.signingKey(app.id);
  const xml = buildLoginResponse({
    issuer: ctx.saml.idpUrl(app),
    audience: settings.spEntityId!,
    acsUrl: pending.acsUrl,
    inResponseTo: pending.requestId,
    nameId: userProperty(session.user, settings.nameIdSource),
    nameIdFormat: settings.nameIdFormat,
    attributes: attributesOf(settings, session.user),
    authnInstant: session.authnInstant ?? new Date().toISOString(),
    sessionIndex: sessionIndex(session.sessionId),
    signResponse: settings.signResponse,
  }, key);
  return Buffer.from(xml, 'utf8').toString('base64');
}

/*
 * Status codes of each failure answered to the ACS. NoPassive sits under Responder: the
 * request was fine, this provider just cannot sign the user in without a page, and SPs
 * (node-saml among them) treat Responder/NoPassive as "not signed in", not as an error.
 * A NameID format this application cannot produce is a fault of the request.
 */
const STATUS_OF = {
  no_passive: { topCode: STATUS_RESPONDER, subCode: STATUS_NO_PASSIVE,
    message: 'The user is not signed in.' },
  invalid_nameid_policy: { topCode: STATUS_REQUESTER, subCode: STATUS_INVALID_NAMEID_POLICY,
    message: 'The requested NameID format is not supported.' },
} as const;

/** A signed failure status (NoPassive, InvalidNameIDPolicy) for the registered ACS. */
export async function signedStatusResponse(ctx: AppContext, app: Application,
  pending: PendingSignIn, failure: keyof typeof STATUS_OF): Promise<string> {
  const key = await ctx.saml.certificates.signingKey(app.id);
  const xml = buildStatusResponse({
    issuer: ctx.saml.idpUrl(app),
    acsUrl: pending.acsUrl,
    inResponseTo: pending.requestId ?? '',
    ...STATUS_OF[failure],
  }, key);
  return Buffer.from(xml, 'utf8').toString('base64');
}

/**
 * The end of every sign-in attempt: log in first, refuse, or answer with a signed
 * response. Throws SamlRefusal for a denied user.
 */
export async function completeSignIn(ctx: AppContext, app: Application, settings: SamlSettings,
  pending: PendingSignIn, session: SessionUser): Promise<SignInOutcome> {
  checkAcsStillRegistered(pending, settings);
  if (needsLogin(pending, session)) {
    if (!pending.isPassive) return { kind: 'login' };
    return { kind: 'response', acsUrl: pending.acsUrl, relayState: pending.relayState,
      failure: 'no_passive',
      samlResponse: await signedStatusResponse(ctx, app, pending, 'no_passive') };
  }
  const user = session.user!;
  await checkAccess(ctx, app, user);
  const samlResponse = await signedLoginResponse(ctx, app, settings, pending,
    { ...session, user });
  return { kind: 'response', acsUrl: pending.acsUrl, relayState: pending.relayState,
    samlResponse };
}

export interface SignInEvent {
  type: SignInEventType;
  app: Application | null;
  user: User | null;
  reason: string;
  details?: Record<string, unknown>;
}

/** Writes a sign-in attempt to the event log (never the request or response itself). */
export async function recordSignIn(ctx: AppContext, event: SignInEvent): Promise<void> {
  const initiator: Actor = event.user
    ? { type: 'user', id: event.user.id, name: event.user.username }
    : { type: 'user', id: null, name: null };
  await recordEvent(ctx.db, {
    type: event.type,
    initiator,
    outcome: event.type === 'sso_login_success' ? 'success' : 'failure',
    resource: { type: 'application', id: event.app?.id ?? null, name: event.app?.label ?? null },
    applicationId: event.app?.id ?? null,
    userId: event.user?.id ?? null,
    details: { reason: event.reason, ...event.details },
  });
}

import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express, {
  type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response,
} from 'express';
import {
  invalidSyntax, notFound, ScimSpError, scimErrorBody, sendScim, sendThrottled, unauthorized,
} from './errors.js';
import type { Faults } from './faults.js';
import { groupsRouter } from './groups.js';
import { metaRouter } from './meta.js';
import { requestKind, type Quota } from './quota.js';
import { usersRouter, type EndpointContext } from './users.js';
import type { ScimSpRequest } from './types.js';

export const BASE_PATH = '/api/1.0/scim';
const MAX_BODY = '1mb';

export interface AppParts extends EndpointContext {
  token: string;
  quota: Quota;
  faults: Faults;
  requests: ScimSpRequest[];
}

/**
 * The service provider's HTTP pipeline, in order: record the request, drop it if a
 * drop is pending, read the body, fail it if a failure is pending, check the bearer
 * token, apply the quota, hold it if a delay is pending, lose its answer if a drop
 * after handling is pending, then the SCIM endpoints.
 */
export function createScimSpApp(parts: AppParts): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const scim = express.Router();
  scim.use(recordRequest(parts.requests));
  scim.use(dropConnection(parts.faults));
  scim.use(express.json({ type: ['application/json', 'application/scim+json'], limit: MAX_BODY }));
  scim.use(keepBody());
  scim.use(injectFailure(parts.faults));
  scim.use(requireBearerToken(parts.token));
  scim.use(enforceQuota(parts.quota));
  scim.use(delayRequest(parts.faults));
  scim.use(dropAnswer(parts.faults));
  scim.use('/Users', usersRouter(parts));
  scim.use('/Groups', groupsRouter(parts));
  scim.use(metaRouter(parts.paging.pageSize));
  scim.use((req) => {
    throw notFound('Endpoint', req.path);
  });
  app.use(BASE_PATH, scim, scimErrorHandler());
  return app;
}

// The log entry of the request being handled, found again by later steps.
const ENTRY = Symbol('scimSpRequest');
type Tracked = Request & { [ENTRY]?: ScimSpRequest };

function recordRequest(requests: ScimSpRequest[]): RequestHandler {
  return (req, res, next) => {
    const [, query = ''] = req.originalUrl.split(/\?(.*)/s);
    const entry: ScimSpRequest = { method: req.method, path: req.path, query, status: 0,
      body: undefined, at: Date.now() };
    requests.push(entry);
    (req as Tracked)[ENTRY] = entry;
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    next();
  };
}

function keepBody(): RequestHandler {
  return (req, _res, next) => {
    const entry = (req as Tracked)[ENTRY];
    if (entry) entry.body = req.body;
    next();
  };
}

function dropConnection(faults: Faults): RequestHandler {
  return (req, _res, next) => {
    if (!faults.takeDrop()) return next();
    req.socket.destroy();
  };
}

function injectFailure(faults: Faults): RequestHandler {
  return (_req, res, next) => {
    const failure = faults.takeFailure();
    if (failure === undefined) return next();
    const { status, retryAfter = '1' } = failure;
    if (status === 429 || status === 503) res.set('Retry-After', retryAfter);
    sendScim(res, status, scimErrorBody(new ScimSpError(status, undefined,
      'Injected failure of the test service provider')));
  };
}

/**
 * The endpoint runs and its change is stored, but the answer never leaves: the
 * connection is destroyed where the answer would have been written.
 */
function dropAnswer(faults: Faults): RequestHandler {
  return (req, res, next) => {
    if (!faults.takeDropAfter(req.method)) return next();
    const entry = (req as Tracked)[ENTRY];
    res.end = (() => {
      if (entry) entry.handled = true;
      req.socket.destroy();
      return res;
    }) as typeof res.end;
    next();
  };
}

/**
 * Only the configured bearer token gets in. The comparison takes the same time however
 * much of a wrong token matches, so a client cannot find the token by timing.
 */
function requireBearerToken(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, _res, next) => {
    const match = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '');
    const given = Buffer.from(match?.[1] ?? '');
    const same = given.length === expected.length && timingSafeEqual(given, expected);
    if (!same) throw unauthorized();
    next();
  };
}

function enforceQuota(quota: Quota): RequestHandler {
  return (req, res, next) => {
    const admission = quota.admit(requestKind(req.method), Date.now());
    if (!admission.ok) {
      return sendThrottled(res, admission.retryAfter,
        `You've made too many requests (${admission.reason}); retry after the given time.`);
    }
    // The slot is held until the answer is sent or the connection is gone.
    res.on('close', admission.release);
    next();
  };
}

function delayRequest(faults: Faults): RequestHandler {
  return (_req, _res, next: NextFunction) => {
    const ms = faults.takeDelay();
    if (ms === undefined) return next();
    sleep(ms).then(() => next(), next);
  };
}

function scimErrorHandler(): ErrorRequestHandler {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const refusal = toScimSpError(error);
    sendScim(res, refusal.status, scimErrorBody(refusal));
  };
}

function toScimSpError(error: unknown): ScimSpError {
  if (error instanceof ScimSpError) return error;
  const e = error as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed') return invalidSyntax('The body is not valid JSON');
  if (e?.type === 'entity.too.large') {
    return new ScimSpError(413, undefined, 'The request body is too large');
  }
  return new ScimSpError(500, undefined, `Internal error: ${e?.message ?? String(error)}`);
}

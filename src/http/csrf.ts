import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors.js';

/*
 * Synchronizer-token CSRF protection for the browser forms. Each session holds one
 * random token; every state-changing form carries it in a hidden `_csrf` field. A page
 * on another site can make the browser send the session cookie, but cannot read our
 * pages, so it cannot know the token.
 */

/** Name of the hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session's CSRF token, made on first use (the session is then saved). */
export function csrfToken(req: Request): string {
  req.session.csrfSecret ??= randomBytes(32).toString('base64url');
  return req.session.csrfSecret;
}

function sameToken(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Refuses a state-changing request whose body lacks the session's token with 403
 * `csrf_invalid`. Runs after the body parsers.
 */
export const requireCsrf: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) return next();
  const body = req.body as Record<string, unknown> | undefined;
  if (!sameToken(req.session?.csrfSecret, body?.[CSRF_FIELD])) {
    throw new HttpError(403, 'csrf_invalid', 'This form was not sent from a page of this '
      + 'site, or it has expired. Go back, reload the page and try again.');
  }
  next();
};

import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from '../log.js';
import type { FormState } from '../views/forms.js';
import type { Html } from '../views/html.js';
import type { Notice } from '../views/layout.js';
import { csrfToken } from './csrf.js';
import { HttpError, toHttpError } from './errors.js';
import { sentence } from './form-input.js';

/*
 * Shared pieces of every server-rendered page: notices carried over a redirect, the
 * post/redirect/get step of a form, and showing a failed form again with its errors.
 */

/** Keeps a notice for the next page the browser loads (after a redirect). */
export function notify(req: Request, kind: Notice['kind'], message: string): void {
  req.session.flash = { kind, message };
}

/** The notice left by the last action, removed so it is shown once. */
export function takeNotice(req: Request): Notice | undefined {
  const flash = req.session.flash;
  if (flash) delete req.session.flash;
  return flash;
}

/** Sends a rendered page; pages are never cached (they hold per-session data). */
export function sendPage(res: Response, page: Html, status = 200): void {
  res.status(status).set('cache-control', 'no-store').type('html').send(page.text);
}

/** Form fields as strings (the first value of a repeated field), for showing again. */
export function formValues(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (key === '_csrf') continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') values[key] = first;
  }
  return values;
}

/** A repeated form field (checkbox list) as an array of strings. */
export function formList(body: unknown, name: string): string[] {
  const value = ((body ?? {}) as Record<string, unknown>)[name];
  return [value].flat().filter((v): v is string => typeof v === 'string');
}

/**
 * A request failure a person can fix (4xx): its message for the notice and its field
 * errors. Anything else (a bug, the database down) is thrown on to the error page.
 * `fieldOfCode` puts a conflict such as `duplicate_user` that names no field next to the
 * field it is about.
 */
export function userFailure(error: unknown, req: Request,
  fieldOfCode: Record<string, string> = {}): { status: number; form: FormState;
    notice: Notice } {
  if (!(error instanceof HttpError) || error.status >= 500) throw error;
  const fields = (error.details?.fields ?? {}) as Record<string, string>;
  const errors = Object.fromEntries(Object.entries(fields)
    .map(([name, message]) => [name, sentence(message)]));
  // A conflict that names its field (a taken email) is shown there; only one that names
  // none goes under the field its code is about.
  const field = fieldOfCode[error.code];
  if (field && Object.keys(errors).length === 0) errors[field] = error.message;
  const message = Object.keys(fields).length > 0
    ? 'Some fields need attention: see the messages next to them.' : error.message;
  return { status: error.status, form: { values: formValues(req.body), errors },
    notice: { kind: 'error', message } };
}

/** The CSRF token for the forms of the page being rendered. */
export const pageCsrf = csrfToken;

/** A plain error page in the given layout, for failures outside a form. */
export function htmlErrorHandler(logger: Logger,
  render: (req: Request, status: number, message: string) => Html): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) {
      logger.error({ category: 'http', reqId: req.id, err: error }, 'page failed');
    }
    const message = httpError.expose ? httpError.message : 'Something went wrong on our side. '
      + 'Try again in a moment.';
    sendPage(res, render(req, httpError.status, message), httpError.status);
  };
}

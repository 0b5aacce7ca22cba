import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../log.js';

/**
 * A failure with the HTTP status that says what happened and a stable machine code.
 * `expose` says whether the message may be shown to the client; when it is false the
 * client gets a generic message and the real one goes only to the log.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly expose = status < 500,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new HttpError(400, 'invalid_request', message, details);
export const unauthorized = (message = 'A valid API key is required in the x-api-key header') =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, code = 'conflict') =>
  new HttpError(409, code, message);

/** The one JSON shape of every API failure: `{ error: { code, message, details? } }`. */
export function errorBody(error: HttpError) {
  return {
    error: {
      code: error.code,
      message: error.expose ? error.message : 'Internal error',
      ...(error.expose && error.details ? { details: error.details } : {}),
    },
  };
}

/** Turns errors thrown by body parsers and handlers into HttpError. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const e = error as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large') {
    return new HttpError(413, 'payload_too_large', 'The request body is larger than allowed');
  }
  if (e?.type === 'entity.parse.failed') {
    return new HttpError(400, 'invalid_json', 'The request body is not valid JSON');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, 'invalid_request', e.message ?? 'Bad request');
  }
  return new HttpError(500, 'internal_error', String(e?.message ?? error), undefined, false);
}

/** Final JSON error handler for API routers. */
export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) {
      logger.error({ category: 'http', reqId: req.id, err: error }, 'request failed');
    }
    res.status(httpError.status).json(errorBody(httpError));
  };
}

/** 404 in the API error shape for paths no route matched. */
export const jsonNotFound: RequestHandler = (req, _res, next) => {
  // The path as the client sent it: inside a mounted router req.path lacks the mount.
  const path = new URL(req.originalUrl, 'http://localhost').pathname;
  next(new HttpError(404, 'not_found', `No route for ${req.method} ${path}`));
};

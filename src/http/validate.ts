import type { RequestHandler } from 'express';
import { z } from 'zod';
import { HttpError, badRequest } from './errors.js';

/**
 * Parses input against a schema; throws a 400 HttpError whose details list every
 * problem by field path.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.join('.') || '(body)';
    fields[path] ??= issue.message;
  }
  throw badRequest('The request is not valid', { fields });
}

/** `limit` (1 to 500, default 50) and `offset` (default 0) from a query string. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * Parses a query string: a parameter given empty (`?email=`) counts as not given, the
 * way HTML forms and most clients send an unused filter.
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const given = Object.entries((query ?? {}) as Record<string, unknown>)
    .filter(([, value]) => value !== '');
  return parseInput(schema, Object.fromEntries(given));
}

/**
 * Refuses a request body that is not JSON (415). Without it such a body would be ignored
 * and the client told that every field is missing.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding');
  if (hasBody && !req.is('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'The request body must be JSON '
      + '(content-type: application/json)');
  }
  next();
};

/**
 * Refuses a JSON body that is not an object (`null`, a number, a string, an array): every
 * API body is an object of named fields. The JSON parser runs in its non-strict mode so
 * that such a body arrives here as valid JSON, and is answered as the wrong kind of body
 * rather than as malformed text.
 */
export const requireJsonObject: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    throw badRequest('The request body must be a JSON object');
  }
  next();
};

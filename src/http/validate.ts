import { z } from 'zod';
import { badRequest } from './errors.js';

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

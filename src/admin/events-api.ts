import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { parseQuery } from '../http/validate.js';
import { queryEvents } from '../insights/events.js';

const isoTime = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());

/** Types one query may name, and the longest type. */
const MAX_TYPES = 50;
const MAX_TYPE_LENGTH = 64;
/** Longest `type` parameter: every type named, with its comma. */
const MAX_TYPE_LIST = MAX_TYPES * (MAX_TYPE_LENGTH + 1);

/**
 * `type` given once or repeated, each value a comma-separated list: the limits hold for
 * each type named, not for the text that lists them.
 */
const eventTypes = z.union([z.string().max(MAX_TYPE_LIST),
  z.array(z.string().max(MAX_TYPE_LIST)).max(MAX_TYPES)])
  .transform((t) => [t].flat().flatMap((v) => v.split(',')).map((v) => v.trim())
    .filter(Boolean))
  .pipe(z.array(z.string().max(MAX_TYPE_LENGTH, `each type at most ${MAX_TYPE_LENGTH} `
    + 'characters')).max(MAX_TYPES, `at most ${MAX_TYPES} types`));

export const eventQuerySchema = z.object({
  type: eventTypes.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  resourceType: z.string().max(64).optional(),
  resourceId: z.string().max(64).optional(),
  userId: z.string().max(64).optional(),
  applicationId: z.string().max(64).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
}).refine((q) => !q.from || !q.to || q.from < q.to,
  { path: ['to'], message: 'must be later than from' });

/** GET /events: the event log, newest first, paged with `cursor` = the last `nextCursor`. */
export function eventsApi(ctx: AppContext): Router {
  const router = Router();
  router.get('/events', async (req, res) => {
    const { cursor, type, ...filter } = parseQuery(eventQuerySchema, req.query);
    res.json(await queryEvents(ctx.db, { ...filter, types: type, before: cursor }));
  });
  return router;
}

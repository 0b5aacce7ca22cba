import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { parseQuery } from '../http/validate.js';
import { queryEvents } from '../insights/events.js';

const isoTime = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());

export const eventQuerySchema = z.object({
  type: z.union([z.string().max(64), z.array(z.string().max(64)).max(50)]).optional()
    .transform((t) => (t === undefined ? undefined : [t].flat().flatMap((v) => v.split(','))
      .map((v) => v.trim()).filter(Boolean))),
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

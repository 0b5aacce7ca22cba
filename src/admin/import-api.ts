import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { parseInput } from '../http/validate.js';

/** The most users one import may select. */
export const MAX_SELECTION = 5000;

const keyList = z.array(z.string().trim().min(1).max(256)).min(1).max(MAX_SELECTION);

/** Exactly one of userIds (the application's ids) and userNames. */
export const importSelectionSchema = z.union([
  z.strictObject({ userIds: keyList }),
  z.strictObject({ userNames: keyList }),
], { error: 'give either userIds or userNames, a list of 1 to 5000' });

const listingQuery = z.object({
  newOnly: z.enum(['true', 'false', '1', '0']).optional()
    .transform((v) => v === 'true' || v === '1'),
});

/**
 * Import of users from an application: the listing (each user New or Imported), the
 * import itself (small ones answered at once, large ones as a job), the job's progress.
 */
export function importApi(ctx: AppContext): Router {
  const router = Router();

  router.get('/applications/:id/import/users', async (req, res) => {
    const { newOnly } = parseInput(listingQuery, req.query);
    res.json(await ctx.imports.list(req.params.id, newOnly));
  });

  router.post('/applications/:id/import', async (req, res) => {
    const selection = parseInput(importSelectionSchema, req.body);
    const answer = await ctx.imports.importUsers(req.params.id, selection, req.actor!);
    res.status(answer.mode === 'job' ? 202 : 200).json(answer);
  });

  router.get('/import-jobs/:jobId', async (req, res) => {
    res.json(await ctx.imports.job(req.params.jobId));
  });

  return router;
}

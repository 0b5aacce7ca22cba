import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { parseInput } from '../http/validate.js';

/** Admin API keys: list (never the key), create (the key once), revoke. */
export function keysApi(ctx: AppContext): Router {
  const router = Router();

  router.get('/api-keys', async (_req, res) => {
    res.json({ items: await ctx.admins.listApiKeys() });
  });

  /** The key itself is in this answer only; it is stored as a hash. */
  router.post('/api-keys', async (req, res) => {
    const { name } = parseInput(z.strictObject({ name: z.string().trim().min(1).max(100) }),
      req.body);
    const actor = req.actor!;
    const { key, info } = await ctx.admins.createApiKey(
      { id: actor.id!, username: actor.name! }, name);
    res.status(201).json({ ...info, key });
  });

  router.delete('/api-keys/:id', async (req, res) => {
    await ctx.admins.revokeApiKey(req.params.id, req.actor!);
    res.status(204).end();
  });

  return router;
}

import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { pageQuery, parseInput } from '../http/validate.js';

const token = z.string().trim().min(8, 'at least 8 characters').max(4096)
  .regex(/^[\x21-\x7e]+$/, 'printable characters without spaces');
const count = (max: number) => z.number().int().min(1).max(max);

export const configSchema = z.strictObject({
  baseUrl: z.string().trim().min(1).max(2048).optional(),
  token: token.optional(),
  rateProfile: z.string().max(64).optional(),
  requestsPerMinute: count(1_000_000).optional(),
  concurrentReads: count(1000).optional(),
  concurrentWrites: count(1000).optional(),
  manageGroups: z.boolean().optional(),
});

const mappingsSchema = z.strictObject({ excluded: z.array(z.string().max(100)).max(50) });

const usersQuery = pageQuery.extend({
  state: z.enum(['pending', 'provisioned', 'deactivated', 'failed', 'needs_manual_action'])
    .optional(),
});

const operationsQuery = z.object({ status: z.enum(['pending', 'running', 'failed']).optional() });

/**
 * Identity management of one application, under
 * /applications/:id/identity-management. Thin routes over ctx.provisioning, which the
 * admin portal calls directly.
 */
export function provisioningApi(ctx: AppContext): Router {
  const router = Router();
  const base = '/applications/:id/identity-management';
  const { integrations } = ctx.provisioning;

  router.get(base, async (req, res) => {
    res.json(await integrations.get(req.params.id));
  });

  router.put(base, async (req, res) => {
    const input = parseInput(configSchema, req.body);
    res.json(await integrations.configure(req.params.id, input, req.actor!));
  });

  router.post(`${base}/activate`, async (req, res) => {
    res.json(await integrations.activate(req.params.id, req.actor!));
  });

  router.post(`${base}/deactivate`, async (req, res) => {
    res.json(await integrations.deactivate(req.params.id, req.actor!));
  });

  router.put(`${base}/token`, async (req, res) => {
    const input = parseInput(z.strictObject({ token }), req.body);
    res.json(await integrations.setToken(req.params.id, input.token, req.actor!));
  });

  router.get(`${base}/attribute-mappings`, async (req, res) => {
    res.json(await integrations.mappings(req.params.id));
  });

  router.put(`${base}/attribute-mappings`, async (req, res) => {
    const input = parseInput(mappingsSchema, req.body);
    res.json(await integrations.setExcluded(req.params.id, input.excluded, req.actor!));
  });

  router.post(`${base}/attribute-mappings/restore-defaults`, async (req, res) => {
    res.json(await integrations.setExcluded(req.params.id, [], req.actor!));
  });

  router.post(`${base}/sync`, async (req, res) => {
    await integrations.syncNow(req.params.id);
    res.status(202).json({ status: 'queued' });
  });

  router.get(`${base}/users`, async (req, res) => {
    const query = parseInput(usersQuery, req.query);
    res.json({ ...(await ctx.provisioning.users(req.params.id, query)),
      limit: query.limit, offset: query.offset });
  });

  router.get(`${base}/operations`, async (req, res) => {
    const query = parseInput(operationsQuery, req.query);
    res.json({ items: await ctx.provisioning.operations(req.params.id,
      query.status ?? 'failed') });
  });

  router.post(`${base}/operations/:opId/retry`, async (req, res) => {
    const { opId } = parseInput(z.object({ opId: z.coerce.number().int().min(1) }), req.params);
    await ctx.provisioning.retry(req.params.id, opId);
    res.status(202).json({ status: 'queued' });
  });

  return router;
}

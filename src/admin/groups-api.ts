import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { pageQuery, parseInput, parseQuery } from '../http/validate.js';

const groupName = z.string().trim().min(1).max(200);
const description = z.string().trim().max(1000);

const listGroupsSchema = pageQuery.extend({
  name: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
});

/** User groups and their memberships. */
export function groupsApi(ctx: AppContext): Router {
  const router = Router();

  router.get('/groups', async (req, res) => {
    const query = parseQuery(listGroupsSchema, req.query);
    res.json({ ...(await ctx.groups.list(query)), limit: query.limit, offset: query.offset });
  });

  router.post('/groups', async (req, res) => {
    const input = parseInput(z.strictObject({ name: groupName,
      description: description.optional() }), req.body);
    res.status(201).json(await ctx.groups.create(input, req.actor!));
  });

  router.get('/groups/:id', async (req, res) => {
    res.json(await ctx.groups.get(req.params.id));
  });

  router.patch('/groups/:id', async (req, res) => {
    const input = parseInput(z.strictObject({ name: groupName.optional(),
      description: description.optional() }), req.body);
    res.json(await ctx.groups.update(req.params.id, input, req.actor!));
  });

  router.delete('/groups/:id', async (req, res) => {
    await ctx.groups.delete(req.params.id, req.actor!);
    res.status(204).end();
  });

  router.get('/groups/:id/members', async (req, res) => {
    const page = parseQuery(pageQuery, req.query);
    res.json({ ...(await ctx.groups.members(req.params.id, page)), ...page });
  });

  router.put('/groups/:id/members/:userId', async (req, res) => {
    await ctx.groups.addMember(req.params.id, req.params.userId, req.actor!);
    res.status(204).end();
  });

  router.delete('/groups/:id/members/:userId', async (req, res) => {
    await ctx.groups.removeMember(req.params.id, req.params.userId, req.actor!);
    res.status(204).end();
  });

  return router;
}

import { Router, type Request, type Response } from 'express';
import { notAllowed, sendNoContent, sendScim } from './errors.js';
import { listResponse, readEqualityFilter, readPage } from './list.js';
import { applyPatch } from './patch.js';
import { groupResource, readGroupFields } from './resources.js';
import type { EndpointContext } from './users.js';

/**
 * The Groups endpoint (teams in the imitated service): created, renamed and given or
 * relieved of members; deleted over SCIM in the `generic` dialect only.
 */
export function groupsRouter(ctx: EndpointContext): Router {
  const router = Router();
  router.get('/', (req, res) => listGroups(ctx, req, res));
  router.get('/:id', (req, res) => {
    const withMembers = !excludesMembers(req);
    sendScim(res, 200, groupResource(ctx.store.group(req.params.id), ctx.baseUrl(), withMembers));
  });
  router.post('/', (req, res) => createGroup(ctx, req, res));
  router.put('/:id', (req, res) => replaceGroup(ctx, req, res));
  router.patch('/:id', (req, res) => patchGroup(ctx, req, res));
  router.delete('/:id', (req, res) => deleteGroup(ctx, req, res));
  return router;
}

function deleteGroup(ctx: EndpointContext, req: Request<{ id: string }>, res: Response): void {
  const record = ctx.store.group(req.params.id);
  if (ctx.dialect !== 'generic') {
    res.set('Allow', 'GET, PUT, PATCH');
    throw notAllowed('Deleting a group is not supported');
  }
  ctx.store.deleteGroup(record);
  sendNoContent(res);
}

function listGroups(ctx: EndpointContext, req: Request, res: Response): void {
  const query = req.query as Record<string, unknown>;
  const wanted = readEqualityFilter(query.filter, 'displayName')?.toLowerCase();
  const page = readPage(query, ctx.paging);
  const matches = ctx.store.allGroups()
    .filter((r) => wanted === undefined || r.group.displayName.toLowerCase() === wanted);
  const withMembers = !excludesMembers(req);
  const resources = matches.map((r) => groupResource(r, ctx.baseUrl(), withMembers));
  sendScim(res, 200, listResponse(resources, page));
}

function createGroup(ctx: EndpointContext, req: Request, res: Response): void {
  const fields = readGroupFields(req.body);
  const record = ctx.store.createGroup(fields.displayName, fields.memberIds);
  const resource = groupResource(record, ctx.baseUrl());
  res.location(resource.meta.location);
  sendScim(res, 201, resource);
}

function replaceGroup(ctx: EndpointContext, req: Request<{ id: string }>, res: Response): void {
  const record = ctx.store.group(req.params.id);
  const fields = readGroupFields(req.body);
  ctx.store.replaceGroup(record, fields.displayName, fields.memberIds);
  sendScim(res, 200, groupResource(record, ctx.baseUrl()));
}

function patchGroup(ctx: EndpointContext, req: Request<{ id: string }>, res: Response): void {
  const record = ctx.store.group(req.params.id);
  const fields = readGroupFields(applyPatch(groupResource(record, ctx.baseUrl()), req.body));
  ctx.store.replaceGroup(record, fields.displayName, fields.memberIds);
  sendScim(res, 200, groupResource(record, ctx.baseUrl()));
}

// Large teams are listed without their members when the client asks so.
function excludesMembers(req: Request): boolean {
  const excluded = req.query.excludedAttributes;
  return typeof excluded === 'string'
    && excluded.split(',').some((a) => a.trim().toLowerCase() === 'members');
}

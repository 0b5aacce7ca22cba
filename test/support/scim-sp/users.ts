import { Router, type Request, type Response } from 'express';
import { mutability, sendNoContent, sendScim } from './errors.js';
import { listResponse, readEqualityFilter, readPage, type PagingRules } from './list.js';
import { applyPatch, refuseSplitName } from './patch.js';
import { readUserFields, userResource } from './resources.js';
import type { ScimSpStore, UserFields, UserRecord } from './store.js';
import type { ScimSpDialect } from './types.js';

export interface EndpointContext {
  store: ScimSpStore;
  paging: PagingRules;
  baseUrl(): string;
  dialect: ScimSpDialect;
  /** See ScimSpOptions.acceptNameParts. */
  acceptNameParts: boolean;
}

/**
 * The Users endpoint. Guests are invisible: never listed, 404 by id. In the `asana`
 * dialect DELETE and `active: false` deprovision (the account stays, inactive), and an
 * inactive account is never made active again over SCIM; in the `generic` one DELETE
 * removes the user and `active: true` reactivates it.
 */
export function usersRouter(ctx: EndpointContext): Router {
  const router = Router();
  router.get('/', (req, res) => listUsers(ctx, req, res));
  router.get('/:id', (req, res) => {
    sendScim(res, 200, userResource(ctx.store.visibleUser(req.params.id), ctx.baseUrl()));
  });
  router.post('/', (req, res) => createUser(ctx, req, res));
  router.put('/:id', (req, res) => replaceUser(ctx, req, res));
  router.patch('/:id', (req, res) => patchUser(ctx, req, res));
  router.delete('/:id', (req, res) => {
    const record = ctx.store.visibleUser(req.params.id);
    if (ctx.dialect === 'generic') ctx.store.deleteUser(record);
    else ctx.store.deactivateUser(record);
    sendNoContent(res);
  });
  return router;
}

function listUsers(ctx: EndpointContext, req: Request, res: Response): void {
  const query = req.query as Record<string, unknown>;
  const wanted = readEqualityFilter(query.filter, 'userName')?.toLowerCase();
  const page = readPage(query, ctx.paging);
  // userName is not case-exact in SCIM, so the match ignores letter case.
  const matches = ctx.store.visibleUsers()
    .filter((r) => wanted === undefined || r.user.userName.toLowerCase() === wanted);
  const resources = matches.map((r) => userResource(r, ctx.baseUrl()));
  sendScim(res, 200, listResponse(resources, page));
}

function createUser(ctx: EndpointContext, req: Request, res: Response): void {
  const record = ctx.store.createUser(readUserFields(req.body));
  const resource = userResource(record, ctx.baseUrl());
  res.location(resource.meta.location);
  sendScim(res, 201, resource);
}

function replaceUser(ctx: EndpointContext, req: Request<{ id: string }>, res: Response): void {
  const record = ctx.store.visibleUser(req.params.id);
  const fields = readUserFields(req.body);
  refuseReactivation(ctx, record, fields);
  ctx.store.replaceUser(record, fields);
  sendScim(res, 200, userResource(record, ctx.baseUrl()));
}

function patchUser(ctx: EndpointContext, req: Request<{ id: string }>, res: Response): void {
  const record = ctx.store.visibleUser(req.params.id);
  if (!ctx.acceptNameParts) refuseSplitName(req.body);
  const patched = applyPatch(userResource(record, ctx.baseUrl()), req.body);
  const fields = readUserFields(patched);
  refuseReactivation(ctx, record, fields);
  ctx.store.replaceUser(record, fields);
  sendScim(res, 200, userResource(record, ctx.baseUrl()));
}

/**
 * In the `asana` dialect a deprovisioned account cannot be brought back over SCIM, only by
 * an administrator of the application.
 */
function refuseReactivation(ctx: EndpointContext, record: UserRecord, next: UserFields): void {
  if (ctx.dialect === 'asana' && !record.user.active && next.active === true) {
    throw mutability(`User ${record.user.id} is deactivated; reactivation is not supported`);
  }
}

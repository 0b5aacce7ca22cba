/**
 * A strict, independent SCIM 2.0 server for tests, built on scimmy and its Express
 * routers, that validates every payload against the SCIM core schemas. Running the
 * provisioning client against it catches payloads a standard server would refuse.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express4';
import type { Request } from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

export const STRICT_BASE_PATH = '/scim/v2';

type Resource = Record<string, unknown> & { id: string };

/** One request as received, with its status once answered. */
export interface StrictScimRequest {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export interface StrictScimServer {
  /** `http://127.0.0.1:<port>/scim/v2` */
  baseUrl: string;
  token: string;
  /** Stored users and groups as the server holds them (copies). */
  users(): Resource[];
  groups(): Resource[];
  requests: StrictScimRequest[];
  stop(): Promise<void>;
}

/** The state of one server; scimmy's handlers are global, so they reach it by context. */
interface StrictStore {
  users: Map<string, Resource>;
  groups: Map<string, Resource>;
}

interface StrictContext {
  store: StrictStore;
}

/** Starts a strict SCIM server on 127.0.0.1 with a port the OS picks. */
export async function startStrictScimServer(): Promise<StrictScimServer> {
  declareResourcesOnce();
  const token = randomBytes(24).toString('base64url');
  const store: StrictStore = { users: new Map(), groups: new Map() };
  const requests: StrictScimRequest[] = [];
  const app = express();
  app.use(STRICT_BASE_PATH, (req, res, next) => {
    const entry = { method: req.method, path: req.path, status: 0, body: undefined as unknown };
    requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.body = req.body;
    });
    next();
  });
  app.use(STRICT_BASE_PATH, new SCIMMYRouters({
    type: 'bearer',
    handler: (req: Request) => checkBearer(req, token),
    context: (): StrictContext => ({ store }),
  }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${STRICT_BASE_PATH}`,
    token,
    users: () => [...store.users.values()].map((r) => structuredClone(r)),
    groups: () => [...store.groups.values()].map((r) => structuredClone(r)),
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

function checkBearer(req: Request, token: string): string {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error('A valid bearer token is required');
  }
  return 'provisioning-client';
}

let declared = false;

// scimmy keeps declared resource types in one process-wide registry. Its handler types
// ask for its own schema classes; the plain records returned here are validated again
// by scimmy on the way out, hence the casts.
function declareResourcesOnce(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .ingress((resource, instance, ctx: StrictContext) =>
      upsert(ctx.store.users, resource.id, instance, 'userName') as never)
    .egress((resource, ctx: StrictContext) => read(ctx.store.users, resource) as never)
    .degress((resource, ctx: StrictContext) => remove(ctx.store.users, resource.id));
  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress((resource, instance, ctx: StrictContext) =>
      upsert(ctx.store.groups, resource.id, instance, 'displayName') as never)
    .egress((resource, ctx: StrictContext) => read(ctx.store.groups, resource) as never)
    .degress((resource, ctx: StrictContext) => remove(ctx.store.groups, resource.id));
}

/** Creates (no id) or replaces (id) a resource; `unique` is unique in any letter case. */
function upsert(map: Map<string, Resource>, id: string | undefined, instance: unknown,
  unique: string): Resource {
  const data = JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
  if (id !== undefined && !map.has(id)) throw notFoundError(id);
  const wanted = String(data[unique]).toLowerCase();
  const clash = [...map.values()].some((r) =>
    r.id !== id && String(r[unique]).toLowerCase() === wanted);
  if (clash) throw new SCIMMY.Types.Error(409, 'uniqueness', `${unique} already in use`);
  const stored: Resource = { ...data, id: id ?? randomUUID() };
  delete stored.schemas;
  delete stored.meta;
  map.set(stored.id, stored);
  return stored;
}

interface ReadTarget {
  id?: string;
  filter?: { expression: string };
}

function read(map: Map<string, Resource>, resource: ReadTarget): Resource | Resource[] {
  if (resource.id !== undefined) {
    const found = map.get(resource.id);
    if (!found) throw notFoundError(resource.id);
    return found;
  }
  const all = [...map.values()];
  return resource.filter ? matchIgnoringCase(resource.filter.expression, all) : all;
}

// SCIM compares userName and displayName whatever their letter case (RFC 7643: they are
// not case-exact) while scimmy compares exactly, so both sides are lowered first.
function matchIgnoringCase(expression: string, all: Resource[]): Resource[] {
  const filter = new SCIMMY.Types.Filter(expression.toLowerCase());
  const lowered = all.map((r) => JSON.parse(JSON.stringify(r).toLowerCase()) as unknown);
  const hits = new Set(filter.match(lowered));
  return all.filter((_, index) => hits.has(lowered[index]));
}

function remove(map: Map<string, Resource>, id: string | undefined): void {
  if (id === undefined || !map.delete(id)) {
    throw notFoundError(id);
  }
}

// A 404 has no scimType keyword; scimmy passes null for it though its types say string.
function notFoundError(id: string | undefined): Error {
  return new SCIMMY.Types.Error(404, null as unknown as string, `Resource ${id} not found`);
}

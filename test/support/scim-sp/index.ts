/**
 * A SCIM 2.0 service provider for tests that behaves as the Asana connector's
 * documented SCIM API does, or as a generic SCIM 2.0 server (see ScimSpDialect), with a
 * quota and fault switches. See README "Development".
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { BASE_PATH, createScimSpApp } from './app.js';
import { Faults } from './faults.js';
import { Quota } from './quota.js';
import { ScimSpStore, type GroupRecord, type UserRecord } from './store.js';
import {
  SCIM_SP_DIALECTS, type ScimSp, type ScimSpDialect, type ScimSpGroup, type ScimSpOptions,
  type ScimSpQuota, type ScimSpRequest, type ScimSpUser,
} from './types.js';

export type {
  ScimSp, ScimSpDialect, ScimSpFaults, ScimSpGroup, ScimSpOptions, ScimSpQuota, ScimSpRequest,
  ScimSpStats, ScimSpUser,
} from './types.js';
export { SCIM_SP_DIALECTS } from './types.js';
export { BASE_PATH } from './app.js';

const DEFAULT_PAGE_SIZE = 100;

interface ResolvedOptions {
  dialect: ScimSpDialect;
  acceptNameParts: boolean;
  token: string;
  quota: ScimSpQuota;
  pageSize: number;
  ignorePageSize: boolean;
  countRejected: boolean;
  host: string;
  port: number;
}

/**
 * Starts a test service provider on 127.0.0.1, on a port the OS picks unless `listen`
 * names one. Throws a RangeError listing every invalid option.
 */
export async function startScimSp(options: ScimSpOptions = {},
  listen: { host?: string; port?: number } = {}): Promise<ScimSp> {
  const resolved = resolveOptions(options, listen);
  const store = new ScimSpStore();
  const quota = new Quota(resolved.quota, resolved.countRejected);
  const faults = new Faults();
  const requests: ScimSpRequest[] = [];
  let baseUrl = '';
  const app = createScimSpApp({ token: resolved.token, quota, faults, requests, store,
    paging: { pageSize: resolved.pageSize, ignorePageSize: resolved.ignorePageSize },
    baseUrl: () => baseUrl, dialect: resolved.dialect,
    acceptNameParts: resolved.acceptNameParts });
  const server = app.listen(resolved.port, resolved.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${resolved.host}:${port}${BASE_PATH}`;
  return {
    baseUrl,
    token: resolved.token,
    requests,
    faults,
    users: () => store.allUsers().map(copyUser),
    groups: () => store.allGroups().map(copyGroup),
    seedUser: (u) => copyUser(seedUser(store, u)),
    seedGroup: (g) => copyGroup(store.createGroup(g.displayName, g.memberIds ?? [])),
    setQuota: (q) => quota.set(checkQuota(q)),
    stats: () => quota.stats(requests.length),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

function seedUser(store: ScimSpStore, u: Partial<ScimSpUser> & { userName: string }): UserRecord {
  const { id: _id, guest = false, ...fields } = u;
  return store.createUser(fields, guest);
}

function copyUser(record: UserRecord): ScimSpUser {
  return structuredClone(record.user);
}

function copyGroup(record: GroupRecord): ScimSpGroup {
  return structuredClone(record.group);
}

/** Applies defaults and checks every option, reporting all problems at once. */
function resolveOptions(options: ScimSpOptions,
  listen: { host?: string; port?: number }): ResolvedOptions {
  const problems = [...quotaProblems(options)];
  const dialect = options.dialect ?? 'asana';
  if (!SCIM_SP_DIALECTS.includes(dialect)) {
    problems.push(`dialect must be one of ${SCIM_SP_DIALECTS.join(', ')}`);
  }
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!isPositiveInteger(pageSize)) problems.push('pageSize must be a positive integer');
  if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token)) {
    problems.push('token must be printable ASCII without spaces');
  }
  const port = listen.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push('port must be 0-65535');
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return {
    dialect,
    acceptNameParts: options.acceptNameParts ?? dialect === 'generic',
    token: options.token ?? randomBytes(32).toString('base64url'),
    quota: { requestsPerMinute: options.requestsPerMinute,
      concurrentReads: options.concurrentReads, concurrentWrites: options.concurrentWrites },
    pageSize,
    ignorePageSize: options.ignorePageSize ?? false,
    countRejected: options.countRejected ?? true,
    host: listen.host ?? '127.0.0.1',
    port,
  };
}

function checkQuota(q: ScimSpQuota): ScimSpQuota {
  const problems = quotaProblems(q);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return q;
}

function quotaProblems(q: ScimSpQuota): string[] {
  const names = ['requestsPerMinute', 'concurrentReads', 'concurrentWrites'] as const;
  return names.filter((name) => q[name] !== undefined && !isPositiveInteger(q[name]))
    .map((name) => `${name} must be a positive integer`);
}

function isPositiveInteger(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) > 0;
}

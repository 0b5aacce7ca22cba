// Plain fetch calls against a SCIM server, and payload factories, for the tests here.
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface Answer {
  status: number;
  headers: Headers;
  // Parsed JSON, or undefined for an empty body.
  body: any;
}

export interface ScimClient {
  get(path: string): Promise<Answer>;
  post(path: string, body: unknown): Promise<Answer>;
  put(path: string, body: unknown): Promise<Answer>;
  patch(path: string, body: unknown): Promise<Answer>;
  delete(path: string): Promise<Answer>;
}

/** A client for `baseUrl` that sends `token` as a bearer token (none when undefined). */
export function scimClient(server: { baseUrl: string }, token?: string): ScimClient {
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = { accept: 'application/scim+json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/scim+json';
    const res = await fetch(`${server.baseUrl}${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
    patch: (path, body) => call('PATCH', path, body),
    delete: (path) => call('DELETE', path),
  };
}

/** A user create payload as a provisioning client sends it. */
export function userPayload(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
    emails: [{ value: userName, primary: true, type: 'work' }],
    active: true,
    ...extra,
  };
}

export function groupPayload(displayName: string, memberIds: string[] = []) {
  return { schemas: [GROUP_SCHEMA], displayName, members: memberIds.map((value) => ({ value })) };
}

/** A PatchOp body of the given operations. */
export function patchOps(...operations: { op: string; path?: string; value?: unknown }[]) {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

/** `?filter=` for `attribute eq "value"`, the value JSON-escaped and URL-encoded. */
export function eqFilter(attribute: string, value: string): string {
  return `?filter=${encodeURIComponent(`${attribute} eq ${JSON.stringify(value)}`)}`;
}

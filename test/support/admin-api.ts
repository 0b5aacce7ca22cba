import assert from 'node:assert/strict';
import request, { type Response, type Test } from 'supertest';
import type { Group } from '../../src/directory/groups.js';
import type { User } from '../../src/directory/users.js';
import type { TestService } from './service.js';

/** Requests to the admin JSON API under /api/v1, carrying the first-start API key. */
export interface AdminClient {
  get(path: string): Test;
  post(path: string): Test;
  put(path: string): Test;
  patch(path: string): Test;
  delete(path: string): Test;
}

export function adminClient(service: TestService, key = service.apiKey): AdminClient {
  const agent = () => request(service.url);
  const at = (path: string) => `/api/v1${path}`;
  return {
    get: (path) => agent().get(at(path)).set('x-api-key', key),
    post: (path) => agent().post(at(path)).set('x-api-key', key),
    put: (path) => agent().put(at(path)).set('x-api-key', key),
    patch: (path) => agent().patch(at(path)).set('x-api-key', key),
    delete: (path) => agent().delete(at(path)).set('x-api-key', key),
  };
}

let serial = 0;

/** A valid create-user body with a unique username and email; fields overridable. */
export function userInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  return {
    username: `user${serial}`, email: `user${serial}@example.com`,
    firstName: 'Test', lastName: `Person${serial}`, ...overrides,
  };
}

/** A valid create-group body with a unique name; fields overridable. */
export function groupInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  return { name: `Group ${serial}`, description: 'made by a test', ...overrides };
}

export async function createUser(client: AdminClient, overrides: Record<string, unknown> = {}):
  Promise<User> {
  return (await client.post('/users').send(userInput(overrides)).expect(201)).body as User;
}

export async function createGroup(client: AdminClient, overrides: Record<string, unknown> = {}):
  Promise<Group> {
  return (await client.post('/groups').send(groupInput(overrides)).expect(201)).body as Group;
}

/** Asserts the one error shape: the status, the machine code and a human message. */
export function assertError(res: Response, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.equal(res.body.error?.code, code, res.text);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0);
}

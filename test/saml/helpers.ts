import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { startTestService, type TestService } from '../support/service.js';

/*
 * Factories for sign-in tests: a running IdP with a user in a group, applications made
 * through the admin API, and a cookie-keeping browser that follows the IdP's redirects.
 */

export const PASSWORD = 'correct horse battery';

export interface Person {
  id: string;
  username: string;
  email: string;
}

export interface IdpFixture {
  service: TestService;
  api: (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string) => request.Test;
  user: Person;
  groupId: string;
}

/** Starts the IdP with one active user (with a password) in one group. */
export async function startIdp(env: Record<string, string> = {}): Promise<IdpFixture> {
  const service = await startTestService(env);
  const api = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string) =>
    request(service.url)[method](`/api/v1${path}`).set('x-api-key', service.apiKey);
  const group = await api('post', '/groups')
    .send({ name: `staff-${randomBytes(3).toString('hex')}` }).expect(201);
  const user = await makeUser({ service, api, groupId: group.body.id } as IdpFixture, 'ada',
    [group.body.id]);
  return { service, api, user, groupId: group.body.id };
}

/** A user with PASSWORD, first name Ada, in the given groups. */
export async function makeUser(idp: IdpFixture, name: string, groupIds: string[] = []):
  Promise<Person> {
  const res = await idp.api('post', '/users').send({
    username: name, email: `${name}@example.com`, firstName: 'Ada', lastName: 'Lovelace',
    password: PASSWORD, groupIds,
  }).expect(201);
  return { id: res.body.id, username: name, email: `${name}@example.com` };
}

export interface AppFixture {
  id: string;
  customValue: string;
  idpUrl: string;
  metadataUrl: string;
}

/** A custom SAML application for `spEntityId` and `acsUrl`, bound to the fixture's group. */
export async function makeApp(idp: IdpFixture, saml: Record<string, unknown>,
  bind = true): Promise<AppFixture> {
  const res = await idp.api('post', '/applications').send({
    connector: 'custom-saml', label: 'Test SP',
    customValue: `sp-${randomBytes(4).toString('hex')}`, saml,
  }).expect(201);
  if (bind) await idp.api('put', `/applications/${res.body.id}/groups/${idp.groupId}`).expect(204);
  return { id: res.body.id, customValue: res.body.customValue, idpUrl: res.body.idpUrl,
    metadataUrl: `${res.body.idpUrl}/metadata` };
}

/** Path and query of an absolute URL on the IdP. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** A browser on the IdP: keeps its cookies; logs in when sent to the login page. */
export function browser(idp: IdpFixture): TestAgent {
  return request.agent(idp.service.url);
}

export interface PostedForm {
  action: string;
  SAMLResponse: string;
  RelayState?: string;
}

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** Reads the auto-submitting HTTP-POST binding form the IdP answered with. */
export function readPostForm(html: string): PostedForm {
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  const fields = Object.fromEntries([...html.matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) =>
    [m[1]!, unescapeHtml(m[2]!)]));
  assert.ok(action && fields.SAMLResponse, 'the IdP answered with a SAMLResponse form');
  return { action: unescapeHtml(action), SAMLResponse: fields.SAMLResponse,
    RelayState: fields.RelayState };
}

/** Decoded XML of a posted SAMLResponse. */
export function responseXml(form: PostedForm): string {
  return Buffer.from(form.SAMLResponse, 'base64').toString('utf8');
}

/** The CSRF token of the login form, read from the login page as a browser would. */
export async function loginToken(agent: TestAgent): Promise<string> {
  const page = await agent.get('/login');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(token, 'the login page carries a CSRF token');
  return token;
}

/**
 * Follows an IdP URL in the browser: through the login page (entering the user's
 * credentials) to the final page. Returns that last response.
 */
export async function visit(agent: TestAgent, path: string, login?: Person):
  Promise<request.Response> {
  let res = await agent.get(path);
  for (let hops = 0; hops < 6 && res.status === 303; hops += 1) {
    const location = res.headers.location!;
    if (location.startsWith('/login') && login) {
      const continueTo = new URL(location, 'http://x').searchParams.get('continue') ?? '/';
      // The token first: the agent attaches its cookies when a request is made, and
      // reading the login page may be what gives the browser its session cookie.
      const token = await loginToken(agent);
      res = await agent.post('/login').type('form')
        .send({ username: login.username, password: PASSWORD, continue: continueTo,
          _csrf: token });
      continue;
    }
    if (location.startsWith('/login')) return res;
    res = await agent.get(location);
  }
  return res;
}

/** Sends a posted form to the SP's ACS, as the browser's auto-submit would. */
export async function postToAcs(form: PostedForm): Promise<{ status: number; body: any }> {
  const body = new URLSearchParams({ SAMLResponse: form.SAMLResponse,
    ...(form.RelayState !== undefined ? { RelayState: form.RelayState } : {}) });
  const res = await fetch(form.action, { method: 'POST', body });
  return { status: res.status, body: await res.json() };
}

/** Events of a type, newest first, straight from the event log. */
export async function eventsOf(idp: IdpFixture, type: string) {
  const res = await idp.api('get', `/events?type=${type}&limit=50`).expect(200);
  return res.body.events as { type: string; applicationId: string | null;
    userId: string | null; outcome: string; details: Record<string, unknown> }[];
}

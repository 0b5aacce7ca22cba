import type { ServiceProcess } from './service.js';

/*
 * Sets up what a sign-in needs on a running service, through its admin API and login
 * page, as an administrator and a user would: a group, a user with a password in it,
 * SAML applications bound to the group, and a signed-in browser session.
 */

export const BENCH_PASSWORD = 'bench password 4 sign-in';

/** Calls the admin API; throws with the answer when the status is not `expect`. */
export async function adminCall(service: ServiceProcess, method: string, path: string,
  body?: unknown, expect = method === 'POST' ? 201 : 200): Promise<any> {
  const res = await fetch(`${service.url}/api/v1${path}`, {
    method,
    headers: { 'x-api-key': service.apiKey, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export interface BenchUser { id: string; username: string; groupId: string }

/** A group and a user with BENCH_PASSWORD in it. */
export async function makeUserInGroup(service: ServiceProcess, username: string):
  Promise<BenchUser> {
  const group = await adminCall(service, 'POST', '/groups', { name: `${username}-staff` });
  const user = await adminCall(service, 'POST', '/users', {
    username, email: `${username}@example.com`, firstName: 'Bench', lastName: 'User',
    password: BENCH_PASSWORD, groupIds: [group.id],
  });
  return { id: user.id, username, groupId: group.id };
}

export interface BenchApp { id: string; customValue: string; idpUrl: string; spEntityId: string;
  acsUrl: string }

/** A custom SAML application bound to `groupId`; `signResponse` signs the whole response too. */
export async function makeSamlApp(service: ServiceProcess, name: string, groupId: string,
  signResponse: boolean): Promise<BenchApp> {
  const spEntityId = `https://${name}.sp.example.com/metadata`;
  const acsUrl = `https://${name}.sp.example.com/acs`;
  const app = await adminCall(service, 'POST', '/applications', {
    connector: 'custom-saml', label: name, customValue: name,
    saml: { spEntityId, acsUrls: [acsUrl], signResponse },
  });
  await adminCall(service, 'PUT', `/applications/${app.id}/groups/${groupId}`, undefined, 204);
  return { id: app.id, customValue: app.customValue, idpUrl: app.idpUrl, spEntityId, acsUrl };
}

/** A fresh browser's visit to the login page: its session cookie and the form's CSRF token. */
export async function loginPage(service: ServiceProcess): Promise<{ cookie: string;
  csrf: string }> {
  const res = await fetch(`${service.url}/login`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('idp.sid='));
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1];
  if (!cookie || !csrf) throw new Error(`login page gave no session or token: ${res.status}`);
  return { cookie: cookie.split(';')[0]!, csrf };
}

/** Logs the user in through the login form; returns the session cookie a browser keeps. */
export async function loginCookie(service: ServiceProcess, username: string): Promise<string> {
  const page = await loginPage(service);
  const res = await fetch(`${service.url}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: service.url,
      cookie: page.cookie },
    body: new URLSearchParams({ username, password: BENCH_PASSWORD, continue: '/',
      _csrf: page.csrf }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('idp.sid='));
  if (res.status !== 303 || !cookie) throw new Error(`login failed: ${res.status}`);
  return cookie.split(';')[0]!;
}

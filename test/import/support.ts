import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { Application } from '../../src/applications/service.js';
import { outboxDir } from '../../src/mail.js';
import type { ScimSp, ScimSpUser } from '../support/scim-sp/index.js';
import type { TestService } from '../support/service.js';

/** An application user as the test provider is seeded with, named for its state. */
export function appUser(userName: string, fields: Partial<ScimSpUser> = {}):
  Partial<ScimSpUser> & { userName: string } {
  const [given = userName, family = 'Tester'] = userName.split('@')[0]!.split('.');
  return {
    userName, active: true,
    name: { givenName: given, familyName: family, formatted: `${given} ${family}` },
    emails: [{ value: userName, primary: true, type: 'work' }],
    displayName: `${given} ${family}`, title: 'Engineer', department: 'R&D', ...fields,
  };
}

/** `count` active users new to the directory: new.0@example.com, new.1@... */
export function seedNewUsers(sp: ScimSp, count: number, prefix = 'new'): ScimSpUser[] {
  return Array.from({ length: count }, (_, i) =>
    sp.seedUser(appUser(`${prefix}.${i}@example.com`)));
}

/** A custom SAML application whose identity management is configured and activated. */
export async function appWithActiveIdm(service: TestService, sp: ScimSp):
  Promise<Application> {
  const actor = { type: 'admin' as const, id: null, name: 'test' };
  const app = await service.ctx.applications.create('custom-saml', { label: 'Tasks' }, actor);
  const idm = `/applications/${app.id}/identity-management`;
  await api(service).put(idm, { baseUrl: sp.baseUrl, token: sp.token }).expect(200);
  await api(service).post(`${idm}/activate`, {}).expect(200);
  return app;
}

/** An admin API client for a service, in this process or a child one. */
export function api(service: { url: string; apiKey: string }) {
  const key = { 'x-api-key': service.apiKey };
  return {
    get: (path: string) => request(service.url).get(`/api/v1${path}`).set(key),
    post: (path: string, body: unknown) => request(service.url).post(`/api/v1${path}`)
      .set(key).send(body as object),
    put: (path: string, body: unknown) => request(service.url).put(`/api/v1${path}`)
      .set(key).send(body as object),
  };
}

/** Usernames in the directory, lower-cased. */
export async function directoryUsernames(service: TestService): Promise<string[]> {
  const rows = await service.ctx.db.selectFrom('users').select('username_lc').execute();
  return rows.map((r) => r.username_lc);
}

/** The messages waiting in the outbox, as file name and text. */
export function outbox(dataDir: string): { file: string; text: string }[] {
  const dir = outboxDir(dataDir);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files.map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}

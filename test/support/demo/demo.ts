import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config.js';
import type { AppContext } from '../../../src/context.js';
import type { Actor } from '../../../src/insights/events.js';
import { createLogger } from '../../../src/log.js';
import { type RunningService, startService } from '../../../src/service.js';
import { type ScimSp, startScimSp } from '../scim-sp/index.js';
import { type SampleSp, startSampleSp } from './sample-sp.js';

/*
 * The whole product on one machine: the identity service with a small sample directory,
 * a sample SAML application bound to a group, and the test SCIM service provider with
 * identity management active for it. Everything listens on 127.0.0.1 and lives in a
 * fresh data directory that is removed again on stop.
 */

export interface DemoUser {
  username: string;
  password: string;
  name: string;
  /** Whether the sample application's group includes the user. */
  allowed: boolean;
}

export interface Demo {
  serviceUrl: string;
  sampleAppUrl: string;
  scimBaseUrl: string;
  admin: { username: string; password: string; apiKey: string };
  users: DemoUser[];
  ctx: AppContext;
  scim: ScimSp;
  stop(): Promise<void>;
}

export interface DemoOptions {
  /** Port of the identity service; 0 lets the OS pick. */
  port: number;
  logLevel?: string;
}

const DEMO: Actor = { type: 'admin', id: null, name: 'demo setup' };

const SAMPLE_USERS = [
  { username: 'ada@example.com', first: 'Ada', last: 'Lovelace', title: 'Engineer',
    group: 'Engineering' },
  { username: 'grace@example.com', first: 'Grace', last: 'Hopper', title: 'Engineer',
    group: 'Engineering' },
  { username: 'linus@example.com', first: 'Linus', last: 'Pauling', title: 'Account manager',
    group: 'Sales' },
] as const;

/*
 * The application's SCIM API takes email addresses as userNames, so the sample users'
 * usernames are their emails. Readable passwords: this directory exists only for the demo.
 */
const passwordOf = (username: string) => `${username.split('@')[0]}-demo-pass`;

async function sampleDirectory(ctx: AppContext): Promise<Map<string, string>> {
  const groups = new Map<string, string>();
  for (const name of ['Engineering', 'Sales']) {
    groups.set(name, (await ctx.groups.create({ name, description: `${name} team` }, DEMO)).id);
  }
  for (const u of SAMPLE_USERS) {
    await ctx.users.create({ username: u.username, email: u.username,
      firstName: u.first, lastName: u.last, displayName: `${u.first} ${u.last}`,
      jobTitle: u.title, password: passwordOf(u.username) }, DEMO, [groups.get(u.group)!]);
  }
  return groups;
}

/** Accounts that exist in the application before the directory knew them. */
function applicationOnlyAccounts(scim: ScimSp): void {
  scim.seedUser({ userName: 'margaret@example.com', active: true,
    name: { givenName: 'Margaret', familyName: 'Hamilton', formatted: 'Margaret Hamilton' },
    emails: [{ value: 'margaret@example.com', primary: true }], title: 'Lead engineer' });
  scim.seedUser({ userName: 'old.timer@example.com', active: false,
    emails: [{ value: 'old.timer@example.com', primary: true }] });
}

async function sampleApplication(ctx: AppContext, sp: SampleSp, scim: ScimSp,
  groupId: string): Promise<string> {
  const app = await ctx.saml.createApplication({
    connector: 'custom-saml', label: 'Sample App', customValue: 'sample-app',
    description: 'A local SAML application for trying the product out',
    saml: { spEntityId: sp.entityId, acsUrls: [sp.acsUrl], attributes: [
      { name: 'firstName', source: 'property', value: 'firstName' },
      { name: 'lastName', source: 'property', value: 'lastName' },
      { name: 'jobTitle', source: 'property', value: 'jobTitle' },
    ] },
  }, DEMO);
  await ctx.applications.bind(app.id, groupId, DEMO);
  await ctx.provisioning.integrations.configure(app.id,
    { baseUrl: scim.baseUrl, token: scim.token, manageGroups: true }, DEMO);
  await ctx.provisioning.integrations.activate(app.id, DEMO);
  await sp.configure(`${ctx.saml.idpUrl(app)}/metadata`);
  return app.id;
}

async function startIdentityService(dataDir: string, options: DemoOptions):
  Promise<RunningService> {
  const config = loadConfig({ ...process.env, PORT: String(options.port), HOST: '127.0.0.1',
    DATA_DIR: dataDir, CERTS_DIR: join(dataDir, 'certs'), LOG_LEVEL: options.logLevel ?? 'warn',
    PUBLIC_URL: '' });
  const service = await startService(config, createLogger(config.logLevel));
  // With port 0 the public URL follows the port actually bound.
  config.publicUrl = service.url;
  return service;
}

/** Starts everything; `stop()` ends it all and removes the demo's data directory. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-demo-'));
  // A generic SCIM application: it takes name parts in updates, as the connector sends.
  const scim = await startScimSp({ acceptNameParts: true });
  const service = await startIdentityService(dataDir, options);
  const sp = await startSampleSp(scim);
  const stop = async () => {
    await sp.stop();
    await service.stop();
    await scim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    applicationOnlyAccounts(scim);
    const groups = await sampleDirectory(service.ctx);
    await sampleApplication(service.ctx, sp, scim, groups.get('Engineering')!);
  } catch (error) {
    await stop();
    throw error;
  }
  const { firstStart } = service;
  return {
    serviceUrl: service.url, sampleAppUrl: sp.url, scimBaseUrl: scim.baseUrl,
    admin: { username: firstStart!.username, password: firstStart!.password,
      apiKey: firstStart!.apiKey },
    users: SAMPLE_USERS.map((u) => ({ username: u.username, password: passwordOf(u.username),
      name: `${u.first} ${u.last}`, allowed: u.group === 'Engineering' })),
    ctx: service.ctx, scim, stop,
  };
}

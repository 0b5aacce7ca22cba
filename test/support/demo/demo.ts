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
  /**
   * Settings of the identity service (SMTP_URL, MAIL_FROM, PUBLIC_URL, HOST...), as the
   * environment gives them. The demo owns where data lives: DATA_DIR, CERTS_DIR and
   * DATABASE_URL are its own, so sample data never lands in a real database.
   */
  env?: Record<string, string | undefined>;
  /** Ports of the sample application and the SCIM provider; 0 (the default) picks. */
  sampleAppPort?: number;
  scimPort?: number;
  /** Folder in which the demo's data folder is made; the system's temp folder by default. */
  dataRoot?: string;
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
  const env = options.env ?? {};
  const config = loadConfig({ ...env, PORT: String(options.port),
    // Loopback unless asked otherwise: the sample passwords are printed on the console.
    HOST: env.HOST || '127.0.0.1', DATA_DIR: dataDir, CERTS_DIR: join(dataDir, 'certs'),
    DATABASE_URL: '', LOG_LEVEL: options.logLevel ?? env.LOG_LEVEL ?? 'warn' });
  const service = await startService(config, createLogger(config.logLevel));
  // With port 0 the public URL follows the port actually bound.
  if (!env.PUBLIC_URL) config.publicUrl = service.url;
  return service;
}

/**
 * What the demo has started, stopped in reverse order, and its data folder, removed
 * last. Every way out (a failed start, stop(), the process ending) goes through here.
 */
class Teardown {
  private readonly stops: (() => Promise<void>)[] = [];
  private done: Promise<void> | null = null;
  // A process that ends without stop() (an uncaught error, process.exit) still removes
  // the folder: only synchronous work can run at exit, and rmSync is.
  private readonly atExit = () => rmSync(this.dataDir, { recursive: true, force: true });

  constructor(readonly dataDir: string) {
    process.once('exit', this.atExit);
  }

  add<T extends { stop(): Promise<void> }>(started: T): T {
    this.stops.push(() => started.stop());
    return started;
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      try {
        for (const stop of this.stops.reverse()) await stop();
      } finally {
        process.removeListener('exit', this.atExit);
        this.atExit();
      }
    })();
    return this.done;
  }
}

/** Starts everything; `stop()` ends it all and removes the demo's data directory. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const teardown = new Teardown(mkdtempSync(join(options.dataRoot ?? tmpdir(), 'idp-demo-')));
  try {
    // Sample App is a custom SAML application, so its SCIM side speaks generic SCIM 2.0:
    // name parts in updates, reactivation, deletes.
    const scim = teardown.add(await startScimSp({ dialect: 'generic' },
      { port: options.scimPort ?? 0 }));
    const service = teardown.add(await startIdentityService(teardown.dataDir, options));
    const sp = teardown.add(await startSampleSp(scim, options.sampleAppPort ?? 0));
    applicationOnlyAccounts(scim);
    const groups = await sampleDirectory(service.ctx);
    await sampleApplication(service.ctx, sp, scim, groups.get('Engineering')!);
    return demoOf(service, sp, scim, () => teardown.run());
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

function demoOf(service: RunningService, sp: SampleSp, scim: ScimSp, stop: () => Promise<void>):
  Demo {
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

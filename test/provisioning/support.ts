import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import type { User } from '../../src/directory/users.js';
import type { Db } from '../../src/store/db.js';
import { SYSTEM } from '../../src/insights/events.js';
import { startScimSp, type ScimSp, type ScimSpOptions } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';

/*
 * Fixtures for provisioning tests: the real service, the test service provider, an
 * application wired to it, and small factories for directory users and groups.
 */

/** Retries are made short so failure paths run in milliseconds. */
export const FAST_RETRIES = { SCIM_RETRY_BASE_MS: '20', SCIM_MAX_ATTEMPTS: '4' };

/** A quota scaled up so tests run in seconds. */
export const FAST_QUOTA = { requestsPerMinute: 60_000, concurrentReads: 10, concurrentWrites: 5 };

export interface Setup {
  service: TestService;
  sp: ScimSp;
  appId: string;
  api: (method: 'get' | 'put' | 'post', path: string, body?: unknown) => request.Test;
  dispose(): Promise<void>;
}

export interface SetupOptions {
  connector?: 'asana' | 'custom-saml';
  sp?: ScimSpOptions;
  quota?: typeof FAST_QUOTA;
  manageGroups?: boolean;
}

/** Starts the service and a test service provider, and configures (not activates) an app. */
export async function setUp(options: SetupOptions = {}): Promise<Setup> {
  const sp = await startScimSp(options.sp ?? {});
  const service = await startTestService(FAST_RETRIES);
  const app = await service.ctx.applications.create(options.connector ?? 'asana', {}, SYSTEM);
  const setup: Setup = {
    service, sp, appId: app.id,
    api: (method, path, body) => {
      const test = request(setup.service.url)[method](
        `/api/v1/applications/${app.id}/identity-management${path}`)
        .set('x-api-key', service.apiKey);
      return body === undefined ? test : test.send(body as object);
    },
    async dispose() {
      await setup.service.dispose();
      await sp.stop();
    },
  };
  const quota = options.quota ?? FAST_QUOTA;
  await setup.api('put', '', {
    baseUrl: sp.baseUrl, token: sp.token, rateProfile: 'custom', ...quota,
    manageGroups: options.manageGroups ?? false,
  }).expect(200);
  return setup;
}

export async function activate(setup: Setup): Promise<void> {
  await setup.api('post', '/activate').expect(200);
}

let counter = 0;

/** A directory user with an email-shaped username, in the given groups. */
export async function makeUser(setup: Setup, groupIds: string[] = [],
  overrides: Partial<{ username: string; firstName: string; lastName: string;
    jobTitle: string; department: string }> = {}): Promise<User> {
  counter += 1;
  const username = overrides.username ?? `person${counter}.${Date.now()}@example.com`;
  return setup.service.ctx.users.create({
    username, email: username, firstName: overrides.firstName ?? `First${counter}`,
    lastName: overrides.lastName ?? `Last${counter}`, jobTitle: overrides.jobTitle,
    department: overrides.department,
  }, SYSTEM, groupIds);
}

/** A directory group bound to the application. */
export async function boundGroup(setup: Setup, name = `Team ${++counter}`): Promise<string> {
  const group = await setup.service.ctx.groups.create({ name }, SYSTEM);
  await setup.service.ctx.applications.bind(setup.appId, group.id, SYSTEM);
  return group.id;
}

/** Waits until a condition holds (a guard against hanging, not a timing assertion). */
export async function waitFor<T>(what: string, check: () => Promise<T | false> | T | false,
  timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(20);
  }
}

/** Waits until every change is planned and no operation is queued or running. */
export async function settled(setup: Setup): Promise<void> {
  await settledIn(setup.service.ctx.db, setup.appId);
}

/**
 * The same for any database and application. The cursor is read before the queue:
 * planning moves the cursor only once its operations are stored, so a cursor already
 * past the feed means the queue read after it holds every planned operation.
 */
export async function settledIn(db: Db, appId: string): Promise<void> {
  await waitFor('provisioning to settle', async () => {
    const integration = await db.selectFrom('idm_integrations').select('feed_seq')
      .where('application_id', '=', appId).executeTakeFirst();
    const latest = await db.selectFrom('change_feed')
      .select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    const busy = await db.selectFrom('idm_operations').select('id')
      .where('application_id', '=', appId).where('status', 'in', ['pending', 'running'])
      .limit(1).execute();
    return busy.length === 0 && Number(integration?.feed_seq) >= Number(latest?.seq ?? 0);
  }, 60_000);
}

/** The SP's visible (non-guest) user with this userName, any letter case. */
export function spUser(sp: ScimSp, userName: string) {
  return sp.users().find((u) => u.userName.toLowerCase() === userName.toLowerCase());
}

export async function eventsOf(setup: Setup, type: string) {
  return setup.service.ctx.db.selectFrom('events').selectAll().where('type', '=', type)
    .where('application_id', '=', setup.appId).orderBy('seq').execute();
}

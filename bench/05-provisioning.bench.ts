import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ScimSp, type ScimSpRequest, startScimSp } from '../test/support/scim-sp/index.js';
import { type BenchContext, figureMaker, type Benchmark } from './lib/benchmark.js';
import { adminCall } from './lib/idp.js';
import type { Figure } from './lib/report.js';
import { seedDirectory } from './lib/seed.js';
import { makeDataDir, type ServiceProcess, startServiceProcess } from './lib/service.js';
import { percentile } from './lib/stats.js';

const figure = figureMaker('provisioning');
const USERS = 5_000;
const GROUPS = 50;
/** The test service provider's quota, scaled so the first sync takes about a minute. */
const QUOTA_PER_MINUTE = 6_000;
const CONCURRENT_READS = 50;
const CONCURRENT_WRITES = 15;
/** Gives up on a first sync that has not finished by then. */
const SYNC_TIMEOUT_MS = 5 * 60_000;
/** Directory changes made one at a time, well under the quota, for their latency. */
const CHANGES = 100;
const CHANGE_INTERVAL_MS = 100;

/** Starts the service on a directory of USERS users in GROUPS groups, not yet bound. */
async function startWithDirectory(dataDir: string, context: BenchContext):
  Promise<{ service: ServiceProcess; userIds: string[]; groupIds: string[] }> {
  context.progress(`seeding ${USERS} users in ${GROUPS} groups`);
  const seeded = await seedDirectory(dataDir, { users: USERS, groups: GROUPS,
    groupsPerUser: 1, emailLogin: true });
  const service = await startServiceProcess({ dataDir });
  return { service, ...seeded };
}

/**
 * An application whose identity management points at the test SP, with every group
 * bound, as an administrator prepares it before turning provisioning on.
 */
async function prepareApplication(service: ServiceProcess, sp: ScimSp, groupIds: string[]):
  Promise<string> {
  const app = await adminCall(service, 'POST', '/applications', {
    connector: 'asana', label: 'Provisioning bench', customValue: 'provisioning-bench' });
  await adminCall(service, 'PUT', `/applications/${app.id}/identity-management`, {
    baseUrl: sp.baseUrl, token: sp.token, rateProfile: 'custom',
    requestsPerMinute: QUOTA_PER_MINUTE, concurrentReads: CONCURRENT_READS,
    concurrentWrites: CONCURRENT_WRITES, manageGroups: true });
  for (const groupId of groupIds) {
    await adminCall(service, 'PUT', `/applications/${app.id}/groups/${groupId}`, undefined, 204);
  }
  return app.id;
}

/** True once the SP holds every user and every group with all its members. */
function synced(sp: ScimSp): boolean {
  const users = sp.users().filter((u) => !u.guest && u.active);
  const members = sp.groups().reduce((sum, g) => sum + g.members.length, 0);
  return users.length >= USERS && sp.groups().length >= GROUPS && members >= USERS;
}

/** Turns provisioning on and waits until the SP holds everyone; figures of the first sync. */
async function firstSync(service: ServiceProcess, sp: ScimSp, appId: string):
  Promise<Figure[]> {
  const firstRequest = sp.requests.length;
  const start = Date.now();
  await adminCall(service, 'POST', `/applications/${appId}/identity-management/activate`,
    undefined, 200);
  // Counting the SP's request log is cheap; reading its whole state (copies of every
  // user) on each poll would slow the SP itself, so that is done only at the end.
  const created = () => sp.requests.slice(firstRequest)
    .filter((r) => r.method === 'POST' && r.status === 201).length;
  while (created() < USERS + GROUPS || !synced(sp)) {
    const refused = sp.requests.slice(firstRequest).find((r) => r.status >= 400
      && r.status !== 429);
    if (refused) {
      throw new Error(`the SP refused ${refused.method} ${refused.path}: ${refused.status}`);
    }
    if (Date.now() - start > SYNC_TIMEOUT_MS) {
      throw new Error(`first sync unfinished after ${SYNC_TIMEOUT_MS / 1000} s: `
        + `${sp.users().length} users, ${sp.groups().length} groups at the SP`);
    }
    await sleep(500);
  }
  const sent = sp.requests.slice(firstRequest);
  const accepted = sent.filter((r) => r.status !== 429);
  const firstAt = Math.min(...sent.map((r) => r.at));
  const lastAt = Math.max(...sent.map((r) => r.at));
  const wallSeconds = (lastAt - start) / 1000;
  const floorSeconds = accepted.length / (QUOTA_PER_MINUTE / 60);
  return [
    figure('first sync: wall time', wallSeconds, 's'),
    figure('first sync: floor (requests / quota)', floorSeconds, 's', undefined,
      `${accepted.length} requests at ${QUOTA_PER_MINUTE} a minute`),
    figure('first sync: quota used (floor / wall)', floorSeconds / wallSeconds, 'ratio',
      { atLeast: 0.95 }),
    figure('first sync: first request after turning on', (firstAt - start) / 1000, 's'),
    figure('first sync: pace from first to last request',
      (sent.length - 1) / ((lastAt - firstAt) / 60_000), '/min', undefined,
      `quota ${QUOTA_PER_MINUTE}`),
    figure('first sync: requests per user', sent.length / USERS, 'ratio', { under: 1.0501 },
      `at most 1.05; sent: ${JSON.stringify(requestKinds(sent))}`),
    figure('first sync: 429 answers', sent.length - accepted.length, 'count', { under: 1 }),
    figure('first sync: most requests in any minute', sp.stats().maxRequestsInAnyMinute,
      'count', { under: QUOTA_PER_MINUTE + 1 }),
  ];
}

/** How many requests of each method and resource type, e.g. {"POST /Users": 5000}. */
function requestKinds(requests: ScimSpRequest[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const r of requests) {
    const kind = `${r.method} ${r.path.split('/').slice(0, 2).join('/')}`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

/**
 * Changes one user's first name at a time, well under the quota, and times each from the
 * admin API call to the SP receiving the user's update.
 */
async function changeLatency(service: ServiceProcess, sp: ScimSp, userIds: string[],
  context: BenchContext): Promise<Figure[]> {
  context.progress(`${CHANGES} single changes, one every ${CHANGE_INTERVAL_MS} ms`);
  const spIdOf = new Map(sp.users().map((u) => [u.userName.toLowerCase(), u.id]));
  const latencies: number[] = [];
  for (let n = 0; n < CHANGES; n += 1) {
    const id = userIds[(n * 37) % userIds.length]!;
    const user = await adminCall(service, 'GET', `/users/${id}`);
    const spId = spIdOf.get(String(user.email).toLowerCase())
      ?? spIdOf.get(String(user.username).toLowerCase());
    const from = sp.requests.length;
    const sentAt = Date.now();
    await adminCall(service, 'PATCH', `/users/${id}`, { firstName: `Changed${n}` });
    latencies.push(await arrival(sp, from, spId, sentAt));
    await sleep(CHANGE_INTERVAL_MS);
  }
  return [
    figure('change to SCIM call: p50', percentile(latencies, 50), 'ms'),
    figure('change to SCIM call: p99', percentile(latencies, 99), 'ms', { under: 1000 },
      'under quota; from the admin API call to the SP receiving the update'),
  ];
}

/** Milliseconds from `sentAt` until the SP received a write for user `spId`. */
async function arrival(sp: ScimSp, from: number, spId: string | undefined, sentAt: number):
  Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const hit = sp.requests.slice(from).find((r) => r.method !== 'GET'
      && (spId === undefined || r.path.includes(spId)));
    if (hit) return hit.at - sentAt;
    if (Date.now() > deadline) throw new Error('a change never reached the SP');
    await sleep(5);
  }
}

/**
 * A new customer's first sync: USERS users in GROUPS groups pushed to the test SP at its
 * quota; then single changes under quota, timed from change to SCIM call.
 */
const provisioning: Benchmark = {
  id: 'provisioning',
  title: `first sync of ${USERS} users in ${GROUPS} groups at ${QUOTA_PER_MINUTE} requests `
    + 'a minute, then single changes',
  async run(context) {
    const dataDir = makeDataDir();
    const sp = await startScimSp({ requestsPerMinute: QUOTA_PER_MINUTE,
      concurrentReads: CONCURRENT_READS, concurrentWrites: CONCURRENT_WRITES });
    try {
      const { service, userIds, groupIds } = await startWithDirectory(dataDir, context);
      try {
        const appId = await prepareApplication(service, sp, groupIds);
        context.progress('turning provisioning on: first sync to the test SP');
        const figures = await firstSync(service, sp, appId);
        return [...figures, ...await changeLatency(service, sp, userIds, context)];
      } finally {
        await service.stop();
      }
    } finally {
      await sp.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default provisioning;

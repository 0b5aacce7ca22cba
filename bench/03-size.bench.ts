import { rmSync } from 'node:fs';
import { type BenchContext, figureMaker, type Benchmark } from './lib/benchmark.js';
import { runLoad } from './lib/load.js';
import type { Figure } from './lib/report.js';
import { seedDirectory, seededUser } from './lib/seed.js';
import { makeDataDir, type ServiceProcess, startServiceProcess } from './lib/service.js';
import { msSince } from './lib/stats.js';

const figure = figureMaker('size');
const USERS = 100_000;
const GROUPS = 1_000;
const MB = 2 ** 20;
const MEMORY_TARGET_MB = 300;
const LATENCY_TARGET_MS = 50;

/** Admin API reads an administrator makes at that size, each sent in turn with varied values. */
function adminQueries(): Record<string, string[]> {
  const pick = (n: number, make: (i: number) => string) =>
    Array.from({ length: n }, (_, k) => make((k * 7919) % USERS));
  return {
    'list, 50 a page at any offset': pick(200, (i) =>
      `/api/v1/users?limit=50&offset=${Math.floor(i / 50) * 50}`),
    'search ?q= (start of a name, username or email)': ['ka', 'mito', 'saben', 'elvo',
      'deluson', 'nomi.', 'lutoez', 'zzz-none', 'vori', 'anka.', 'benel'].map((q) =>
      `/api/v1/users?q=${q}`),
    'search ?name= (start of a name)': ['kari', 'toben', 'sa', 'mielez', 'vova', 'zzz-none']
      .map((name) => `/api/v1/users?name=${name}`),
    'exact ?username=': pick(200, (i) => `/api/v1/users?username=${seededUser(i).username}`),
    'exact ?email=': pick(200, (i) =>
      `/api/v1/users?email=${encodeURIComponent(seededUser(i).email)}`),
  };
}

/** Waits a moment and reads the resident memory of a service that is doing nothing. */
async function settledMemory(service: ServiceProcess): Promise<{ rss: number; peakRss: number }> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return service.memory();
}

async function measureIdle(context: BenchContext): Promise<Figure[]> {
  context.progress('idle service with an empty directory');
  const service = await startServiceProcess();
  try {
    await runLoad({ url: `${service.url}/api/v1/users`, connections: 1, seconds: 1,
      headers: { 'x-api-key': service.apiKey } });
    const { rss } = await settledMemory(service);
    return [figure('resident memory, idle, empty directory', rss / MB, 'MB')];
  } finally {
    await service.stop();
  }
}

async function measureQueries(service: ServiceProcess, context: BenchContext):
  Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const [name, paths] of Object.entries(adminQueries())) {
    context.progress(name);
    const result = await runLoad({ url: `${service.url}/api/v1/users`, connections: 1,
      seconds: 4, warmupSeconds: 1, paths, headers: { 'x-api-key': service.apiKey } });
    figures.push(
      figure(`${name}: p50`, result.p50, 'ms'),
      figure(`${name}: p99`, result.p99, 'ms', { under: LATENCY_TARGET_MS },
        'one administrator at a time'),
    );
  }
  return figures;
}

/**
 * Resident memory of the service, idle and with a large directory, and the latency of the
 * admin API's list and search at that size.
 */
const size: Benchmark = {
  id: 'size',
  title: `memory and admin API latency with ${USERS} users and ${GROUPS} groups`,
  async run(context) {
    const figures = await measureIdle(context);
    const dataDir = makeDataDir();
    try {
      context.progress(`seeding ${USERS} users, ${GROUPS} groups, 2 groups a user`);
      const seedStart = process.hrtime.bigint();
      await seedDirectory(dataDir, { users: USERS, groups: GROUPS, groupsPerUser: 2 });
      figures.push(figure('seeding time (direct to the store)', msSince(seedStart) / 1000, 's'));
      const service = await startServiceProcess({ dataDir });
      try {
        const started = await settledMemory(service);
        figures.push(figure(`resident memory, idle, ${USERS} users`, started.rss / MB, 'MB',
          { under: MEMORY_TARGET_MB }));
        figures.push(...await measureQueries(service, context));
        const after = await settledMemory(service);
        figures.push(figure('resident memory, after the queries', after.rss / MB, 'MB',
          { under: MEMORY_TARGET_MB }), figure('resident memory, peak', after.peakRss / MB,
          'MB', { under: MEMORY_TARGET_MB }));
      } finally {
        await service.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    return figures;
  },
};

export default size;

// Load test of the admin API's directory routes on the real service with a real SQLite
// file: run with `node --import tsx bench/directory-api.mjs [seconds]`. Prints a table and
// writes the numbers to bench/results/ (never committed). Speed is measured here, never
// asserted in tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { startTestService } from '../test/support/service.js';

const SECONDS = Number(process.argv[2] ?? 10);
const SEED_USERS = 2000;

/** Creates `count` users through the service, as an administrator would. */
async function seed(service, count) {
  const admin = { type: 'admin', id: null, name: 'bench' };
  const ids = [];
  for (let n = 0; n < count; n += 1) {
    const user = await service.ctx.users.create({ username: `seed${n}`,
      email: `seed${n}@bench.test`, firstName: 'Seed', lastName: `Number${n}` }, admin);
    ids.push(user.id);
  }
  return ids;
}

/** One autocannon run; `request` is autocannon's request description. */
function run(service, title, request) {
  return autocannon({
    url: service.url, duration: SECONDS, connections: 10,
    headers: { 'x-api-key': service.apiKey, 'content-type': 'application/json' },
    requests: [request], title,
  });
}

function summary(result) {
  return {
    scenario: result.title, requestsPerSecond: result.requests.average,
    p50ms: result.latency.p50, p99ms: result.latency.p99,
    non2xx: result.non2xx, errors: result.errors,
  };
}

const service = await startTestService({ LOG_LEVEL: 'warn' });
try {
  const ids = await seed(service, SEED_USERS);
  let created = 0;
  const scenarios = [
    ['read one user', { method: 'GET', path: `/api/v1/users/${ids[ids.length >> 1]}` }],
    ['search users by name', { method: 'GET', path: '/api/v1/users?q=number19&limit=20' }],
    ['create users', {
      method: 'POST', path: '/api/v1/users',
      setupRequest: (req) => {
        created += 1;
        return { ...req, body: JSON.stringify({ username: `bench${created}`,
          email: `bench${created}@bench.test` }) };
      },
    }],
  ];
  const results = [];
  for (const [title, request] of scenarios) {
    results.push(summary(await run(service, title, request)));
  }
  console.table(results);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/directory-api-${Date.now()}.json`,
    JSON.stringify({ seconds: SECONDS, seedUsers: SEED_USERS, results }, null, 2));
} finally {
  await service.dispose();
}

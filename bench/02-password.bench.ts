import { cpus } from 'node:os';
import { loadConfig } from '../src/config.js';
import { hashPassword, verifyPassword } from '../src/directory/passwords.js';
import { figureMaker, type Benchmark } from './lib/benchmark.js';
import { BENCH_PASSWORD, makeUserInGroup } from './lib/idp.js';
import { runLoad } from './lib/load.js';
import type { Figure } from './lib/report.js';
import { startServiceProcess } from './lib/service.js';
import { msSince } from './lib/stats.js';

const figure = figureMaker('password');
const PASSWORD = 'correct horse battery staple';

/** Verifies `PASSWORD` against `stored`, `parallel` at a time, for about `seconds`. */
async function verificationsPerSecond(stored: string, parallel: number, seconds: number):
  Promise<number> {
  const start = process.hrtime.bigint();
  let done = 0;
  const lane = async () => {
    while (msSince(start) < seconds * 1000) {
      if (!await verifyPassword(PASSWORD, stored)) throw new Error('password did not verify');
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return done / (msSince(start) / 1000);
}

/**
 * Logins through the login form of a service at its default cost, a client per core:
 * the password check plus a new session each.
 */
async function httpLogins(cores: number): Promise<Figure[]> {
  const service = await startServiceProcess();
  try {
    const user = await makeUserInGroup(service, 'grace');
    const load = await runLoad({ url: `${service.url}/login`,
      loginForm: { username: user.username, password: BENCH_PASSWORD },
      connections: cores, seconds: 5, warmupSeconds: 1, expectStatus: [303],
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: service.url } });
    return [
      figure('logins/s over HTTP (login form)', load.perSecond, '/s', undefined,
        `${cores} clients; answers: ${JSON.stringify(load.statuses)}`),
      figure('logins/s per core over HTTP', load.perSecond / cores, '/s'),
      figure('login p50 over HTTP', load.p50, 'ms'),
    ];
  } finally {
    await service.stop();
  }
}

/**
 * Password checks at the configured scrypt cost: the work behind every password login.
 * Reported, not raced: the cost is deliberate.
 */
const password: Benchmark = {
  id: 'password',
  title: 'password verifications at the configured scrypt cost',
  async run(context) {
    const cost = loadConfig().passwordHashCost;
    const cores = cpus().length;
    context.progress(`scrypt N=2^${cost}, r=8, p=1: one at a time, then ${cores} at a time`);
    const stored = await hashPassword(PASSWORD, cost);
    const oneCore = await verificationsPerSecond(stored, 1, 3);
    const allCores = await verificationsPerSecond(stored, cores, 3);
    const memory = `${(128 * 8 * 2 ** cost) / 2 ** 20} MiB`;
    context.progress('logins through the login form of the service');
    const overHttp = await httpLogins(cores);
    return [
      figure(`scrypt cost (log2 N), ${memory} per check`, cost, 'log2 N'),
      figure('checks/s on one core', oneCore, '/s'),
      figure(`checks/s on all ${cores} cores`, allCores, '/s', undefined,
        'in the libuv thread pool, as the service runs them'),
      figure('checks/s per core, all cores busy', allCores / cores, '/s'),
      ...overHttp,
    ];
  },
};

export default password;

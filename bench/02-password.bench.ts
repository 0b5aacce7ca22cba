import { cpus } from 'node:os';
import { loadConfig } from '../src/config.js';
import { hashPassword, verifyPassword } from '../src/directory/passwords.js';
import { figureMaker, type Benchmark } from './lib/benchmark.js';
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
    return [
      figure(`scrypt cost (log2 N), ${memory} per check`, cost, 'log2 N'),
      figure('checks/s on one core', oneCore, '/s'),
      figure(`checks/s on all ${cores} cores`, allCores, '/s', undefined,
        'in the libuv thread pool, as the service runs them'),
      figure('checks/s per core, all cores busy', allCores / cores, '/s'),
    ];
  },
};

export default password;

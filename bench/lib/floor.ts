import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runLoad } from './load.js';
import { readCpuSeconds, ROOT } from './service.js';

const SERVER = join(ROOT, 'bench', 'lib', 'floor-server.mjs');

/** What the bare stack costs per request: the part of a sign-in no SAML code can remove. */
export interface Floor {
  cpuMicrosPerRequest: number;
  perSecond: number;
}

/**
 * Serves `bodyBytes`-sized pages to a signed-in session from Express and express-session
 * alone, in their own process, under the same load as the sign-in runs, and returns the
 * CPU time that process spent per request.
 */
export async function measureFloor(bodyBytes: number, connections: number, seconds: number):
  Promise<Floor> {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production',
      FLOOR_BODY_BYTES: String(bodyBytes) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = await once(createInterface({ input: child.stdout! }), 'line') as [string];
    const { url } = JSON.parse(line) as { url: string };
    const login = await fetch(`${url}/login`, { method: 'POST' });
    const cookie = login.headers.getSetCookie()[0]?.split(';')[0];
    if (login.status !== 204 || !cookie) throw new Error('the floor server gave no session');
    const spec = { url: `${url}/signin`, connections, headers: { cookie } };
    await runLoad({ ...spec, seconds: 2 });
    const before = readCpuSeconds(child.pid!);
    const load = await runLoad({ ...spec, seconds });
    const cpuSeconds = readCpuSeconds(child.pid!) - before;
    return { cpuMicrosPerRequest: cpuSeconds * 1e6 / load.expected, perSecond: load.perSecond };
  } finally {
    child.kill('SIGTERM');
  }
}

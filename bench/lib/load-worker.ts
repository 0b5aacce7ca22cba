/*
 * The load generator, run as its own process so it never shares a core's event loop
 * with the service under test. Reads a LoadSpec from the JSON file named on the command
 * line and prints one LoadResult as JSON on its last output line.
 */
import { readFileSync } from 'node:fs';
import autocannon, { type Request } from 'autocannon';
import type { LoadResult, LoadSpec } from './load.js';
import { percentile } from './stats.js';

interface Tally { latencies: number[]; statuses: Record<string, number> }

/**
 * Index of the next path to send, kept across the warm-up and the measured run: a path
 * may be good for one use only (a SAML request ID is refused when replayed).
 */
let next = 0;

interface LoginContext { cookie?: string; csrf?: string }

/** The first Set-Cookie as a Cookie header value; names keep the server's letter case. */
function firstCookie(headers: Record<string, string | string[]>): string {
  const name = Object.keys(headers).find((h) => h.toLowerCase() === 'set-cookie');
  const header = name === undefined ? undefined : headers[name];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(';')[0] ?? '';
}

/** GET the login page, keep its cookie and token, then POST the credentials with them. */
function loginRequests(form: NonNullable<LoadSpec['loginForm']>): Request[] {
  return [{
    method: 'GET', path: '/login',
    onResponse: (_status, body, context: LoginContext, headers) => {
      context.cookie = firstCookie(headers);
      context.csrf = /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
    },
  }, {
    method: 'POST', path: '/login',
    setupRequest: (req, context: LoginContext) => ({
      ...req,
      headers: { ...req.headers, cookie: context.cookie ?? '' },
      body: new URLSearchParams({ ...form, continue: '/', _csrf: context.csrf ?? '' })
        .toString(),
    }),
  }];
}

function requestsOf(spec: LoadSpec): Request[] | undefined {
  if (spec.loginForm) return loginRequests(spec.loginForm);
  const paths = spec.paths ?? [];
  return paths.length > 0
    ? [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }]
    : undefined;
}

function runOnce(spec: LoadSpec, seconds: number, tally: Tally | null):
  Promise<{ seconds: number; errors: number; timeouts: number }> {
  const requests = requestsOf(spec);
  // A login's first request (the page) is set-up, not a figure of its own.
  const counted = (status: number) => !spec.loginForm || status !== 200;
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: spec.url, connections: spec.connections, duration: seconds, timeout: 10,
      method: spec.method ?? 'GET', headers: spec.headers ?? {}, body: spec.body, requests,
    }, (error, result) => (error ? reject(error) : resolve({
      seconds: result.duration, errors: result.errors, timeouts: result.timeouts,
    })));
    if (!tally) return;
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (!counted(status)) return;
      tally.latencies.push(ms);
      tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
    });
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
  if (spec.warmupSeconds) await runOnce(spec, spec.warmupSeconds, null);
  const tally: Tally = { latencies: [], statuses: {} };
  const run = await runOnce(spec, spec.seconds, tally);
  const expected = tally.latencies.length - Object.entries(tally.statuses)
    .filter(([status]) => !(spec.expectStatus ?? [200]).includes(Number(status)))
    .reduce((sum, [, n]) => sum + n, 0);
  const result: LoadResult = {
    requests: tally.latencies.length,
    expected,
    perSecond: expected / run.seconds,
    p50: percentile(tally.latencies, 50),
    p99: percentile(tally.latencies, 99),
    max: percentile(tally.latencies, 100),
    statuses: tally.statuses,
    errors: run.errors,
    timeouts: run.timeouts,
    seconds: run.seconds,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`load worker failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

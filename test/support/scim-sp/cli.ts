/**
 * Runs the test SCIM service provider by itself, so provisioning can be watched on a
 * laptop: `npm run scim-sp`. Settings come from the environment (see README
 * "Development"); every request is printed as it is answered, never the token.
 */
import {
  SCIM_SP_DIALECTS, startScimSp, type ScimSpDialect, type ScimSpOptions, type ScimSpRequest,
} from './index.js';

const DEFAULT_PORT = 9090;

/** What the start-up banner says the server behaves as, per dialect. */
const BEHAVES_AS: Record<ScimSpDialect, string> = {
  asana: 'imitates the Asana SCIM API',
  generic: 'a generic SCIM 2.0 server',
};

function readNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new RangeError(`${name} must be an integer`);
  return value;
}

/** SCIM_SP_DIALECT; unset or empty is the default, `asana`. */
function readDialect(): ScimSpDialect | undefined {
  const raw = process.env.SCIM_SP_DIALECT;
  if (raw === undefined || raw === '') return undefined;
  const dialect = SCIM_SP_DIALECTS.find((d) => d === raw);
  if (!dialect) {
    throw new RangeError(`SCIM_SP_DIALECT must be one of ${SCIM_SP_DIALECTS.join(', ')}`);
  }
  return dialect;
}

function readOptions(): ScimSpOptions {
  return {
    dialect: readDialect(),
    token: process.env.SCIM_SP_TOKEN || undefined,
    requestsPerMinute: readNumber('SCIM_SP_REQUESTS_PER_MINUTE'),
    concurrentReads: readNumber('SCIM_SP_CONCURRENT_READS'),
    concurrentWrites: readNumber('SCIM_SP_CONCURRENT_WRITES'),
    pageSize: readNumber('SCIM_SP_PAGE_SIZE'),
    ignorePageSize: process.env.SCIM_SP_IGNORE_PAGE_SIZE === '1',
  };
}

/** Prints answered requests in order, once a second: arrival, status, method, path. */
function printRequests(requests: ScimSpRequest[]): void {
  let printed = 0;
  setInterval(() => {
    while (printed < requests.length && requests[printed]!.status !== 0) {
      const r = requests[printed++]!;
      console.log(`${new Date(r.at).toISOString()} ${r.status} ${r.method} ${r.path}`);
    }
  }, 1000).unref();
}

async function main(): Promise<void> {
  const port = readNumber('SCIM_SP_PORT') ?? DEFAULT_PORT;
  const options = readOptions();
  const sp = await startScimSp(options, { port });
  console.log(`Test SCIM service provider (${BEHAVES_AS[options.dialect ?? 'asana']})`);
  console.log(`base URL: ${sp.baseUrl}`);
  console.log(`token:    ${sp.token}`);
  printRequests(sp.requests);
  const stop = () => {
    sp.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
  console.error(`scim-sp failed to start: ${error.message}`);
  process.exit(1);
});

import { redirectRequestPaths } from './lib/authn-requests.js';
import { type BenchContext, figureMaker, type Benchmark } from './lib/benchmark.js';
import { measureFloor } from './lib/floor.js';
import { type BenchApp, loginCookie, makeSamlApp, makeUserInGroup } from './lib/idp.js';
import { type LoadResult, type LoadSpec, runLoad } from './lib/load.js';
import type { Figure } from './lib/report.js';
import { ownResponsesPerSecond, stockResponsesPerSecond } from './lib/responses.js';
import { type ServiceProcess, startServiceProcess } from './lib/service.js';
import { type SigningRate, signaturesPerSecond } from './lib/signing.js';

const figure = figureMaker('signin');
const CONNECTIONS = 8;
const SECONDS = 8;
const WARMUP_SECONDS = 2;
const P99_TARGET_MS = 25;
/** Share of the one-core signing limit the service must reach, per signing variant. */
const RATIO_TARGET = { assertion: 0.6, both: 0.35 } as const;

type Variant = keyof typeof RATIO_TARGET;
const VARIANT_NAME: Record<Variant, string> = {
  assertion: 'assertion signed', both: 'response and assertion signed',
};

/**
 * Fails loudly when the answer is not the signed response form a browser would post;
 * returns the form's size in bytes.
 */
async function checkSignIn(service: ServiceProcess, path: string, cookie: string):
  Promise<number> {
  const res = await fetch(`${service.url}${path}`, { headers: { cookie } });
  const html = await res.text();
  if (res.status !== 200 || !html.includes('name="SAMLResponse"')) {
    throw new Error(`sign-in did not answer with a SAMLResponse form: ${res.status}`);
  }
  return Buffer.byteLength(html);
}

/** A load run and the service CPU time it cost. */
interface Measured { load: LoadResult; cpuSeconds: number }

/**
 * Warms the service up, then runs the measured load and reads the CPU time it used. Paths
 * the warm-up sent (and a margin for those in flight when it stopped) are not sent again.
 */
async function measureLoad(service: ServiceProcess, spec: Omit<LoadSpec, 'seconds'>):
  Promise<Measured> {
  const warmup = await runLoad({ ...spec, seconds: WARMUP_SECONDS });
  const used = warmup.requests + warmup.errors + 4 * spec.connections;
  const paths = spec.paths?.slice(used);
  const before = service.cpuSeconds();
  const load = await runLoad({ ...spec, ...(paths ? { paths } : {}), seconds: SECONDS });
  return { load, cpuSeconds: service.cpuSeconds() - before };
}

function loadFigures(label: string, variant: Variant, { load, cpuSeconds }: Measured,
  limit: SigningRate): Figure[] {
  const name = `${label}, ${VARIANT_NAME[variant]}`;
  const perCpuSecond = load.expected / cpuSeconds;
  const unexpected = load.requests - load.expected + load.errors + load.timeouts;
  return [
    figure(`${name}: responses/s`, load.perSecond, '/s'),
    figure(`${name}: share of signing limit, by the clock`, load.perSecond / limit.perSecond,
      'ratio', undefined, 'both rates by wall time; swings with the machine\'s load'),
    figure(`${name}: responses per service CPU second`, perCpuSecond, '/s'),
    figure(`${name}: share of signing limit, per core`, perCpuSecond / limit.perCpuSecond,
      'ratio', { atLeast: RATIO_TARGET[variant] },
      'responses per CPU second of the service over signatures per CPU second'),
    figure(`${name}: p50`, load.p50, 'ms'),
    figure(`${name}: p99`, load.p99, 'ms', { under: P99_TARGET_MS },
      `${CONNECTIONS} connections`),
    ...(unexpected > 0 ? [figure(`${name}: answers not 200`, unexpected, 'count', undefined,
      JSON.stringify(load.statuses))] : []),
  ];
}

interface VariantResult {
  figures: Figure[];
  /** IdP-initiated responses per service CPU second. */
  idpRate: number;
  signingPerCpuSecond: number;
  formBytes: number;
}

/** IdP-initiated (a tile click) and SP-initiated sign-in of one signing variant over HTTP. */
async function measureVariant(service: ServiceProcess, app: BenchApp, cookie: string,
  variant: Variant, context: BenchContext): Promise<VariantResult> {
  const path = new URL(app.idpUrl).pathname;
  const formBytes = await checkSignIn(service, path, cookie);
  context.progress(`${VARIANT_NAME[variant]}: signing limit, then IdP-initiated`);
  const limit = signaturesPerSecond('keyObject', 2);
  const base = { url: `${service.url}${path}`, connections: CONNECTIONS, headers: { cookie } };
  const idp = await measureLoad(service, base);
  context.progress(`${VARIANT_NAME[variant]}: SP-initiated (Redirect binding)`);
  const requests = redirectRequestPaths(
    Math.ceil(limit.perCpuSecond * (SECONDS + WARMUP_SECONDS) * 1.2), app);
  await checkSignIn(service, requests.pop()!, cookie);
  const sp = await measureLoad(service, { ...base, paths: requests });
  return {
    idpRate: idp.load.expected / idp.cpuSeconds,
    signingPerCpuSecond: limit.perCpuSecond,
    formBytes,
    figures: [
      figure(`signing limit before the ${VARIANT_NAME[variant]} runs`, limit.perSecond, '/s'),
      ...loadFigures('IdP-initiated', variant, idp, limit),
      ...loadFigures('SP-initiated', variant, sp, limit),
    ],
  };
}

/**
 * The floor: Express and express-session alone serving a page of the form's size. What a
 * response costs beyond it and its signatures is the service's own; the ceiling shows the
 * best share of the signing limit any SAML code on this stack could reach.
 */
async function floorFigures(context: BenchContext, results: Record<Variant, VariantResult>):
  Promise<Figure[]> {
  context.progress('floor: Express and express-session alone, no SAML');
  const floor = await measureFloor(results.assertion.formBytes, CONNECTIONS, SECONDS);
  const figures = [figure('floor, Express and express-session alone: CPU per request',
    floor.cpuMicrosPerRequest, 'µs', undefined,
    'a signed-in session answered with a page of the form\'s size; no database, no SAML')];
  for (const variant of ['assertion', 'both'] as const) {
    const { idpRate, signingPerCpuSecond } = results[variant];
    const signing = (variant === 'both' ? 2 : 1) * 1e6 / signingPerCpuSecond;
    const target = 1e6 / (RATIO_TARGET[variant] * signingPerCpuSecond);
    const name = VARIANT_NAME[variant];
    figures.push(
      figure(`IdP-initiated, ${name}: service CPU per response`, 1e6 / idpRate, 'µs'),
      figure(`${name}: CPU per response the target leaves beside signing`, target - signing,
        'µs', undefined, `${RATIO_TARGET[variant]} of the signing limit per core`),
      figure(`${name}: ceiling on Express and express-session, share of signing limit`,
        1e6 / (floor.cpuMicrosPerRequest + signing) / signingPerCpuSecond, 'ratio',
        undefined, 'the floor plus the signatures and nothing else'),
    );
  }
  return figures;
}

/** The same responses built in this process: the service's builder and samlify's stock path. */
async function measureInProcess(context: BenchContext, served: Record<Variant, number>):
  Promise<Figure[]> {
  context.progress('in-process: the service\'s response builder and samlify\'s stock path');
  const figures: Figure[] = [];
  for (const variant of ['assertion', 'both'] as const) {
    const limit = signaturesPerSecond('keyObject', 2).perCpuSecond;
    const own = ownResponsesPerSecond(variant === 'both', 2);
    const stock = await stockResponsesPerSecond(variant === 'both', 3);
    const name = VARIANT_NAME[variant];
    figures.push(
      figure(`builder in-process, ${name}: share of signing limit`, own / limit, 'ratio',
        undefined, 'per CPU second'),
      figure(`samlify stock in-process, ${name}: responses per CPU second`, stock, '/s'),
      figure(`samlify stock in-process, ${name}: share of signing limit`, stock / limit,
        'ratio', undefined, 'per CPU second'),
      figure(`service over HTTP / samlify stock in-process, ${name}`, served[variant] / stock,
        'ratio', undefined,
        'IdP-initiated, per CPU second; samlify measured without HTTP, so this understates'),
    );
  }
  return figures;
}

/**
 * Sign-in with a session, the 9 o'clock case: how close one service process gets to the
 * one-core signing limit, IdP- and SP-initiated, with the assertion or both signed.
 */
const signin: Benchmark = {
  id: 'signin',
  title: `sign-in with a session at ${CONNECTIONS} connections against the signing limit`,
  async run(context) {
    const service = await startServiceProcess();
    const figures: Figure[] = [];
    const results = {} as Record<Variant, VariantResult>;
    try {
      const user = await makeUserInGroup(service, 'ada');
      const cookie = await loginCookie(service, user.username);
      for (const variant of ['assertion', 'both'] as const) {
        const app = await makeSamlApp(service, `bench-${variant}`, user.groupId,
          variant === 'both');
        results[variant] = await measureVariant(service, app, cookie, variant, context);
        figures.push(...results[variant].figures);
      }
    } finally {
      await service.stop();
    }
    figures.push(...await floorFigures(context, results));
    figures.push(...await measureInProcess(context,
      { assertion: results.assertion.idpRate, both: results.both.idpRate }));
    return figures;
  },
};

export default signin;

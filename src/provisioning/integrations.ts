import type { Selectable } from 'kysely';
import { type Connector, findConnector, type RateProfile } from '../applications/catalog.js';
import type { ApplicationService } from '../applications/service.js';
import { latestChangeSeq } from '../directory/feed.js';
import { badRequest, conflict, HttpError } from '../http/errors.js';
import type { Actor } from '../insights/events.js';
import { encryptSecret, decryptSecret } from '../secrets.js';
import { type Db, now } from '../store/db.js';
import { type IntegrationEventType, recordIntegrationEvent } from './events.js';
import { GROUP_MAPPINGS, OPTIONAL_USER_ATTRIBUTES, USER_MAPPINGS } from './mappings.js';
import { dropQueued, enqueue } from './queue.js';
import type { LimiterRegistry } from './rate-limiter.js';
import type { IdmIntegrationsTable } from './tables.js';
import { verifyScimEndpoint } from './verify.js';

type IntegrationRow = Selectable<IdmIntegrationsTable>;

/** An integration as the API shows it: never the token, only its last four characters. */
export interface IntegrationView {
  applicationId: string;
  connector: string;
  status: 'unconfigured' | 'inactive' | 'active';
  baseUrl: string | null;
  tokenSet: boolean;
  tokenLastFour: string | null;
  rateProfile: string;
  requestsPerMinute: number;
  concurrentReads: number;
  concurrentWrites: number;
  rateProfiles: RateProfile[];
  manageGroups: boolean;
  activatedAt: string | null;
  capabilities: Connector['scim'];
}

export interface IntegrationInput {
  baseUrl?: string;
  token?: string;
  rateProfile?: string;
  requestsPerMinute?: number;
  concurrentReads?: number;
  concurrentWrites?: number;
  manageGroups?: boolean;
}

export const TOKEN_CHANGE_REFUSED = 'The API token cannot be changed while the integration is '
  + 'active: deactivate the integration, update the token, then activate it again.';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What the integrations tell the worker that delivers their changes. */
export interface WorkerControl {
  /** Work may be waiting. */
  wake(): void;
  /** The application's integration is deactivated: stop its running work. */
  halt(applicationId: string): Promise<void>;
  /** The application's integration is being activated: let its requests through. */
  resume(applicationId: string): void;
}

type App = { id: string; label: string };

/** The details of a refused action's event: its stable code and its message. */
function refusalDetails(error: HttpError): Record<string, unknown> {
  return { code: error.code, status: error.status, message: error.message,
    ...(error.details ?? {}) };
}

/**
 * The identity-management settings and lifecycle of each application: configure,
 * activate (after a real SCIM call succeeds), deactivate, change the token, and choose
 * the attributes sent. The worker is woken whenever work may be waiting, and halted on
 * deactivation.
 */
export class IntegrationService {
  constructor(private readonly deps: {
    db: Db; applications: ApplicationService; encryptionKey: Buffer;
    limiters: LimiterRegistry; worker: WorkerControl;
  }) {}

  async get(applicationId: string): Promise<IntegrationView> {
    const { connector } = await this.connectorOf(applicationId);
    return toView(applicationId, connector, await this.row(applicationId));
  }

  async configure(applicationId: string, input: IntegrationInput, actor: Actor):
    Promise<IntegrationView> {
    const { app, connector } = await this.connectorOf(applicationId);
    const before = await this.row(applicationId);
    const active = before?.status === 'active';
    if (input.token !== undefined) {
      await this.checked('idm_integration_reauth', actor, app, () => refuseWhileActive(before));
    }
    const { baseUrl, rate } = await this.checked('idm_integration_update', actor, app, () => {
      const url = input.baseUrl === undefined ? undefined : checkBaseUrl(input.baseUrl);
      if (url !== undefined && active && url !== before?.base_url) {
        throw new HttpError(409, 'base_url_change_requires_deactivation', 'The base URL '
          + 'cannot be changed while the integration is active: deactivate it first.');
      }
      if (!before && !(url ?? connector.scim?.defaultBaseUrl)) {
        throw badRequest('The SCIM base URL is required for this application',
          { fields: { baseUrl: 'required' } });
      }
      return { baseUrl: url, rate: resolveRate(connector, input, before) };
    });
    const enablesGroups = input.manageGroups === true && before?.manage_groups !== 1;
    await this.deps.db.transaction().execute(async (trx) => {
      await this.save(trx, applicationId, connector, before, {
        ...(baseUrl === undefined ? {} : { base_url: baseUrl }),
        ...(input.token === undefined ? {} : this.tokenColumns(input.token)),
        ...rate,
        ...(input.manageGroups === undefined ? {} : { manage_groups: input.manageGroups ? 1 : 0 }),
      });
      await recordIntegrationEvent(trx, 'idm_integration_update', actor, app, true,
        { changed: Object.keys(input).filter((k) => k !== 'token') });
      if (input.token !== undefined) {
        await recordIntegrationEvent(trx, 'idm_integration_reauth', actor, app, true);
      }
      // Groups become managed: a reconcile takes over same-named groups and syncs them.
      if (active && enablesGroups) {
        await enqueue(trx, applicationId, [{ kind: 'reconcile', targetId: applicationId }]);
      }
    });
    this.deps.worker.wake();
    return this.get(applicationId);
  }

  /** Replaces the token; refused while the integration is active. */
  async setToken(applicationId: string, token: string, actor: Actor): Promise<IntegrationView> {
    const { app, connector } = await this.connectorOf(applicationId);
    const before = await this.row(applicationId);
    await this.checked('idm_integration_reauth', actor, app, () => refuseWhileActive(before));
    await this.deps.db.transaction().execute(async (trx) => {
      await this.save(trx, applicationId, connector, before, this.tokenColumns(token));
      await recordIntegrationEvent(trx, 'idm_integration_reauth', actor, app, true);
    });
    return this.get(applicationId);
  }

  /**
   * Verifies the endpoint and token with a real SCIM call, then starts provisioning
   * with a full reconcile. Throws a 422 HttpError naming what failed.
   */
  async activate(applicationId: string, actor: Actor): Promise<IntegrationView> {
    const { app } = await this.connectorOf(applicationId);
    await this.checked('idm_integration_activate', actor, app, async () => {
      const row = await this.row(applicationId);
      if (row?.status === 'active') {
        throw conflict('The integration is already active; use "sync now" to reconcile',
          'already_active');
      }
      if (!row?.token_encrypted) {
        throw new HttpError(422, 'token_missing', 'Set the API token before activating');
      }
      const token = decryptSecret(this.deps.encryptionKey, row.token_encrypted);
      this.deps.worker.resume(applicationId);
      await verifyScimEndpoint(row.base_url, token, this.deps.limiters.get(applicationId, {
        requestsPerMinute: row.requests_per_minute, concurrentReads: row.concurrent_reads,
        concurrentWrites: row.concurrent_writes }));
    });
    await this.deps.db.transaction().execute(async (trx) => {
      const time = now();
      // Everything up to now is covered by the reconcile; the feed is read from here on.
      await trx.updateTable('idm_integrations').set({ status: 'active', activated_at: time,
        feed_seq: await latestChangeSeq(trx), updated_at: time })
        .where('application_id', '=', applicationId).execute();
      await dropQueued(trx, applicationId);
      await enqueue(trx, applicationId, [{ kind: 'reconcile', targetId: applicationId }]);
      await recordIntegrationEvent(trx, 'idm_integration_activate', actor, app, true);
    });
    this.deps.worker.wake();
    return this.get(applicationId);
  }

  /**
   * Stops all provisioning for the application: queued work is dropped, and work
   * already running stops at its next request, so that once this returns no further
   * request goes to the application.
   */
  async deactivate(applicationId: string, actor: Actor): Promise<IntegrationView> {
    const { app } = await this.connectorOf(applicationId);
    await this.checked('idm_integration_delete', actor, app, async () => {
      if ((await this.row(applicationId))?.status !== 'active') {
        throw conflict('The integration is not active', 'not_active');
      }
    });
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('idm_integrations').set({ status: 'inactive', updated_at: now() })
        .where('application_id', '=', applicationId).execute();
      await dropQueued(trx, applicationId);
      await recordIntegrationEvent(trx, 'idm_integration_delete', actor, app, true);
    });
    await this.deps.worker.halt(applicationId);
    return this.get(applicationId);
  }

  /** Queues a full reconcile ("sync now"). */
  async syncNow(applicationId: string): Promise<void> {
    await this.connectorOf(applicationId);
    const row = await this.row(applicationId);
    if (row?.status !== 'active') {
      throw conflict('Activate the integration before syncing', 'not_active');
    }
    await enqueue(this.deps.db, applicationId,
      [{ kind: 'reconcile', targetId: applicationId }]);
    this.deps.worker.wake();
  }

  async mappings(applicationId: string): Promise<MappingsView> {
    await this.connectorOf(applicationId);
    const row = await this.row(applicationId);
    return mappingsView(row ? JSON.parse(row.excluded_attributes) as string[] : []);
  }

  /**
   * Sets which optional user attributes are left out. Required ones cannot be; an
   * attribute included again is sent to every account at once.
   */
  async setExcluded(applicationId: string, excluded: string[], actor: Actor):
    Promise<MappingsView> {
    const { app, connector } = await this.connectorOf(applicationId);
    await this.checked('idm_integration_update', actor, app, () => checkExcluded(excluded));
    const before = await this.row(applicationId);
    const previous = before ? JSON.parse(before.excluded_attributes) as string[] : [];
    const included = previous.filter((a) => !excluded.includes(a));
    await this.deps.db.transaction().execute(async (trx) => {
      await this.save(trx, applicationId, connector, before,
        { excluded_attributes: JSON.stringify([...new Set(excluded)]) });
      await recordIntegrationEvent(trx, 'idm_integration_update', actor, app, true,
        { excludedAttributes: excluded });
      if (included.length > 0 && before?.status === 'active') {
        const linked = await trx.selectFrom('idm_users').select('user_id')
          .where('application_id', '=', applicationId).where('remote_id', 'is not', null)
          .execute();
        await enqueue(trx, applicationId,
          linked.map((l) => ({ kind: 'user' as const, targetId: l.user_id })));
      }
    });
    this.deps.worker.wake();
    return this.mappings(applicationId);
  }

  /**
   * Runs the checks of an administrator's action. A refusal is recorded as a failure
   * event of the action's type, with its code and message, then thrown on.
   */
  private async checked<T>(type: IntegrationEventType, actor: Actor, app: App,
    checks: () => Promise<T> | T): Promise<T> {
    try {
      return await checks();
    } catch (error) {
      const refusal = error instanceof HttpError ? error : new HttpError(500, 'error',
        error instanceof Error ? error.message : String(error));
      await recordIntegrationEvent(this.deps.db, type, actor, app, false,
        refusalDetails(refusal));
      throw error;
    }
  }

  private tokenColumns(token: string): Partial<IntegrationRow> {
    return { token_encrypted: encryptSecret(this.deps.encryptionKey, token),
      token_last4: token.slice(-4) };
  }

  private async save(trx: Db, applicationId: string, connector: Connector,
    before: IntegrationRow | undefined, columns: Partial<IntegrationRow>): Promise<void> {
    const time = now();
    if (before) {
      await trx.updateTable('idm_integrations').set({ ...columns, updated_at: time })
        .where('application_id', '=', applicationId).execute();
      return;
    }
    const profile = connector.rateProfiles[0]!;
    const baseUrl = columns.base_url ?? connector.scim?.defaultBaseUrl;
    if (!baseUrl) throw badRequest('The SCIM base URL is required for this application');
    await trx.insertInto('idm_integrations').values({
      application_id: applicationId, base_url: baseUrl, token_encrypted: null,
      token_last4: null, rate_profile: profile.id, requests_per_minute: profile.requestsPerMinute,
      concurrent_reads: profile.concurrentReads, concurrent_writes: profile.concurrentWrites,
      manage_groups: 0, status: 'inactive', excluded_attributes: '[]', feed_seq: 0,
      activated_at: null, created_at: time, updated_at: time, ...columns,
    }).execute();
  }

  private async connectorOf(applicationId: string) {
    const app = await this.deps.applications.get(applicationId);
    const connector = findConnector(app.connector);
    if (!connector?.scim) {
      throw new HttpError(400, 'scim_unsupported',
        'This application does not support identity management');
    }
    return { app, connector };
  }

  private row(applicationId: string): Promise<IntegrationRow | undefined> {
    return this.deps.db.selectFrom('idm_integrations').selectAll()
      .where('application_id', '=', applicationId).executeTakeFirst();
  }
}

/** The token can change only while the integration is not active. */
function refuseWhileActive(row: IntegrationRow | undefined): void {
  if (row?.status === 'active') {
    throw new HttpError(409, 'token_change_requires_deactivation', TOKEN_CHANGE_REFUSED);
  }
}

/** Only optional, known attributes can be left out. Throws a 400 HttpError naming them. */
function checkExcluded(excluded: string[]): void {
  const required = excluded.filter((a) => USER_MAPPINGS.some((m) => m.scim === a && m.required));
  if (required.length > 0) {
    throw badRequest(`Required mappings cannot be removed: ${required.join(', ')}`,
      { fields: { excluded: `required: ${required.join(', ')}` } });
  }
  const unknown = excluded.filter((a) => !OPTIONAL_USER_ATTRIBUTES.includes(a));
  if (unknown.length > 0) {
    throw badRequest(`Unknown attributes: ${unknown.join(', ')}`,
      { fields: { excluded: `not a mapped attribute: ${unknown.join(', ')}` } });
  }
}

/** A base URL must be https, except on this machine (loopback), which tests and demos use. */
function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest('The base URL is not a URL', { fields: { baseUrl: 'not a URL' } });
  }
  const local = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !local) {
    throw badRequest('The base URL must use https', { fields: { baseUrl: 'https only' } });
  }
  if (url.search || url.hash || url.username || url.password) {
    throw badRequest('The base URL must not have credentials, a query or a fragment',
      { fields: { baseUrl: 'scheme, host and path only' } });
  }
  return url.toString().replace(/\/+$/, '');
}

/** Rate columns from a named profile of the connector, or from custom numbers. */
function resolveRate(connector: Connector, input: IntegrationInput,
  before: IntegrationRow | undefined): Partial<IntegrationRow> {
  const numbers = [input.requestsPerMinute, input.concurrentReads, input.concurrentWrites];
  if (input.rateProfile === undefined) {
    if (numbers.every((n) => n === undefined)) return {};
    if (before?.rate_profile !== 'custom') {
      throw badRequest('Custom numbers need rateProfile "custom"',
        { fields: { rateProfile: 'set to "custom" to enter numbers' } });
    }
  }
  if (input.rateProfile === 'custom' || (input.rateProfile === undefined)) {
    const values = {
      requests_per_minute: input.requestsPerMinute ?? before?.requests_per_minute,
      concurrent_reads: input.concurrentReads ?? before?.concurrent_reads,
      concurrent_writes: input.concurrentWrites ?? before?.concurrent_writes,
    };
    const missing = Object.entries(values).filter(([, v]) => v === undefined).map(([k]) => k);
    if (missing.length > 0) {
      throw badRequest('A custom rate profile needs requestsPerMinute, concurrentReads and '
        + 'concurrentWrites', { fields: Object.fromEntries(missing.map((k) => [k, 'required'])) });
    }
    return { rate_profile: 'custom', ...values } as Partial<IntegrationRow>;
  }
  const profile = connector.rateProfiles.find((p) => p.id === input.rateProfile);
  if (!profile) {
    throw badRequest(`Unknown rate profile "${input.rateProfile}"`, { fields: { rateProfile:
      `one of ${[...connector.rateProfiles.map((p) => p.id), 'custom'].join(', ')}` } });
  }
  if (numbers.some((n) => n !== undefined)) {
    throw badRequest('Numbers can only be set with rateProfile "custom"',
      { fields: { rateProfile: 'set to "custom" to enter numbers' } });
  }
  return { rate_profile: profile.id, requests_per_minute: profile.requestsPerMinute,
    concurrent_reads: profile.concurrentReads, concurrent_writes: profile.concurrentWrites };
}

function toView(applicationId: string, connector: Connector, row: IntegrationRow | undefined):
  IntegrationView {
  const profile = connector.rateProfiles[0]!;
  return {
    applicationId,
    connector: connector.id,
    status: !row || !row.token_encrypted ? (row?.status === 'active' ? 'active' : 'unconfigured')
      : row.status,
    baseUrl: row?.base_url ?? connector.scim?.defaultBaseUrl ?? null,
    tokenSet: Boolean(row?.token_encrypted),
    tokenLastFour: row?.token_last4 ?? null,
    rateProfile: row?.rate_profile ?? profile.id,
    requestsPerMinute: row?.requests_per_minute ?? profile.requestsPerMinute,
    concurrentReads: row?.concurrent_reads ?? profile.concurrentReads,
    concurrentWrites: row?.concurrent_writes ?? profile.concurrentWrites,
    rateProfiles: connector.rateProfiles,
    manageGroups: row?.manage_groups === 1,
    activatedAt: row?.activated_at ?? null,
    capabilities: connector.scim,
  };
}

export interface MappingsView {
  user: { scim: string; source: string; required: boolean; included: boolean }[];
  group: { scim: string; source: string; required: boolean; included: boolean }[];
  excluded: string[];
}

function mappingsView(excluded: string[]): MappingsView {
  return {
    user: USER_MAPPINGS.map((m) => ({ scim: m.scim, source: m.source, required: m.required,
      included: m.required || !excluded.includes(m.scim) })),
    group: GROUP_MAPPINGS.map((m) => ({ ...m, included: true })),
    excluded,
  };
}

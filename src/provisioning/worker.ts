import type { EventEmitter } from 'node:events';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { findConnector, type ScimCapabilities } from '../applications/catalog.js';
import { readChanges } from '../directory/feed.js';
import type { Logger } from '../log.js';
import { decryptSecret } from '../secrets.js';
import type { Db } from '../store/db.js';
import { PROVISION_EVENT_TYPES, type ProvisionEventType, recordProvisionEvent }
  from './events.js';
import { deleteGroup, syncGroup } from './group-sync.js';
import { planChanges } from './planner.js';
import {
  claim, complete, dropAll, dueOperations, enqueue, forgetAbsence, nextDueTime,
  type OperationRow, park, recoverRunning, reschedule,
} from './queue.js';
import { LimiterClosedError, type LimiterRegistry, type RateLimiter } from './rate-limiter.js';
import { reconcile } from './reconcile.js';
import { type AppRuntime, DeliveryError } from './runtime.js';
import { ScimClient } from './scim-client.js';
import type { IdmIntegrationsTable } from './tables.js';
import { syncUser } from './user-sync.js';

/** How the worker retries. Defaults fit a real application; tests shorten the waits. */
export interface WorkerOptions {
  /** First retry delay after a 5xx or network error, in ms; doubles each attempt. */
  retryBaseMs: number;
  /** Longest retry delay, in ms. */
  retryMaxMs: number;
  /** Attempts (429s not counted) before an operation is parked as failed. */
  maxAttempts: number;
  /**
   * Answers 429 an operation may get before it is parked as failed: an application
   * that throttles without end is given up on rather than asked for ever.
   */
  maxThrottled: number;
  /** Safety poll for changes and due retries, in ms (changes also wake it at once). */
  pollMs: number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  retryBaseMs: 2_000, retryMaxMs: 10 * 60_000, maxAttempts: 8, maxThrottled: 40,
  pollMs: 5_000,
};

/** Operations of one application in flight at once, whatever its concurrency caps. */
const MAX_IN_FLIGHT = 64;
/** Changes planned per transaction: short, since sign-in shares the database connection. */
const FEED_BATCH = 100;
/** Operations started per turn of the event loop. */
const START_BATCH = 8;
/** How long a stop waits for requests on the wire, in ms. */
const STOP_GRACE_MS = 5_000;

type ActiveIntegration = IdmIntegrationsTable & { connector: string };

interface Deps {
  db: Db;
  logger: Logger;
  encryptionKey: Buffer;
  changes: EventEmitter;
  limiters: LimiterRegistry;
}

/**
 * Drains the operation queue of every active integration. It runs in the service's
 * process but never holds the event loop: it is woken by committed changes, works in
 * small awaited steps and yields between batches, so sign-in requests are never held
 * behind provisioning.
 */
export class ProvisioningWorker {
  private running = false;
  private pumping = false;
  private again = false;
  private poll: NodeJS.Timeout | null = null;
  private dueTimer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<string, Map<number, { key: string; done: Promise<void> }>>();
  private readonly clients = new Map<string, { signature: string; client: ScimClient }>();
  // Applications whose integration was deactivated while work of theirs was running.
  private readonly halted = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly deps: Deps,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS) {
    this.log = deps.logger.child({ category: 'provisioning' });
  }

  /** Puts back operations a stopped process left running, then starts draining. */
  async start(): Promise<void> {
    const recovered = await recoverRunning(this.deps.db);
    if (recovered > 0) {
      this.log.info({ recovered }, 'operations interrupted by a stop queued again');
    }
    await this.seedLimiters();
    this.running = true;
    this.deps.limiters.openAll();
    this.deps.changes.on('change', this.wake);
    this.poll = setInterval(this.wake, this.options.pollMs);
    this.poll.unref();
    this.wake();
  }

  /**
   * Stops taking operations, refuses requests not yet sent, and waits a little for the
   * ones on the wire. Whatever is cut short stays stored as running and is taken again
   * at the next start, where a lookup comes before any create.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.deps.changes.off('change', this.wake);
    if (this.poll) clearInterval(this.poll);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.deps.limiters.closeAll();
    const pending = [...this.inFlight.values()].flatMap((m) => [...m.values()].map((e) => e.done));
    const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([Promise.allSettled(pending), grace]);
  }

  /**
   * Stops an application's provisioning at once: no request of its that is not yet on
   * the wire leaves, the work running ends at its next request, and every operation of
   * the application is dropped once that work has ended. Waits for it at most
   * STOP_GRACE_MS; what ends later is dropped when it ends.
   */
  async halt(applicationId: string): Promise<void> {
    this.halted.add(applicationId);
    this.deps.limiters.close(applicationId);
    const running = [...(this.inFlight.get(applicationId)?.values() ?? [])].map((e) => e.done);
    const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([Promise.allSettled(running), grace]);
    await this.dropHaltedWork(applicationId);
  }

  /** Lets an application's requests through again (its integration is being activated). */
  resume(applicationId: string): void {
    this.halted.delete(applicationId);
    this.deps.limiters.open(applicationId);
  }

  /** Drops a halted application's operations once none of them is running any more. */
  private async dropHaltedWork(applicationId: string): Promise<void> {
    if (!this.halted.has(applicationId)) return;
    if ((this.inFlight.get(applicationId)?.size ?? 0) > 0) return;
    await dropAll(this.deps.db, applicationId);
  }

  /**
   * Every SCIM call is an event (page reads included; an activation made one check), so
   * the events of the last minute say how much of each application's quota an earlier
   * run of the process already used.
   */
  private async seedLimiters(): Promise<void> {
    const since = new Date(Date.now() - 61_000).toISOString();
    const types = [...PROVISION_EVENT_TYPES, 'idm_integration_activate'];
    for (const integration of await this.activeIntegrations()) {
      const calls = await this.deps.db.selectFrom('events').select('time')
        .where('application_id', '=', integration.application_id)
        .where('type', 'in', types).where('time', '>=', since)
        .orderBy('seq', 'asc').execute();
      this.limiterOf(integration).seed(calls.map((c) => Date.parse(c.time)));
    }
  }

  /** Looks for new changes and due operations now. */
  readonly wake = (): void => {
    if (this.running) void this.pump();
  };

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      let integrations: ActiveIntegration[] = [];
      do {
        this.again = false;
        integrations = await this.activeIntegrations();
        await this.plan(integrations);
        for (const integration of integrations) await this.fillOne(integration);
        await yieldToEvents();
      } while (this.again && this.running);
      await this.scheduleNextDue(integrations);
    } catch (error) {
      if (this.running) this.log.error({ err: error }, 'provisioning pass failed');
    } finally {
      this.pumping = false;
    }
  }

  private async activeIntegrations(): Promise<ActiveIntegration[]> {
    return this.deps.db.selectFrom('idm_integrations')
      .innerJoin('applications', 'applications.id', 'idm_integrations.application_id')
      .selectAll('idm_integrations').select('applications.connector')
      .where('idm_integrations.status', '=', 'active').execute();
  }

  /** Turns new change-feed entries into operations, batch by batch. */
  private async plan(integrations: ActiveIntegration[]): Promise<void> {
    if (integrations.length === 0) return;
    const cursors = new Map(integrations.map((i) => [i.application_id, Number(i.feed_seq)]));
    for (;;) {
      const from = Math.min(...cursors.values());
      const changes = await readChanges(this.deps.db, from, FEED_BATCH);
      for (const integration of integrations) {
        const cursor = cursors.get(integration.application_id)!;
        const fresh = changes.filter((c) => c.seq > cursor);
        if (fresh.length === 0) continue;
        await planChanges(this.deps.db, { applicationId: integration.application_id,
          manageGroups: integration.manage_groups === 1 }, fresh);
        cursors.set(integration.application_id, fresh[fresh.length - 1]!.seq);
      }
      if (changes.length < FEED_BATCH) return;
      await yieldToEvents();
    }
  }

  /** One application's failure (say, a token the key cannot decrypt) stops no other. */
  private async fillOne(integration: ActiveIntegration): Promise<void> {
    try {
      await this.fill(integration);
    } catch (error) {
      if (this.running) {
        this.log.error({ err: error, applicationId: integration.application_id },
          'cannot start provisioning operations for this application');
      }
    }
  }

  /** Starts as many due operations as the application's caps leave room for. */
  private async fill(integration: ActiveIntegration): Promise<void> {
    const app = integration.application_id;
    if (this.halted.has(app)) return;
    const running = this.inFlight.get(app) ?? new Map();
    this.inFlight.set(app, running);
    const cap = Math.min(MAX_IN_FLIGHT,
      integration.concurrent_reads + integration.concurrent_writes);
    if (running.size >= cap || [...running.values()].some((r) => r.key.startsWith('reconcile'))) {
      return;
    }
    const due = await dueOperations(this.deps.db, app, cap + running.size);
    const busy = new Set([...running.values()].map((r) => r.key));
    const picked = pickOperations(due, busy, cap - running.size);
    // Built before claiming, so a broken setting leaves the operations queued.
    const rt = this.runtime(integration);
    await claim(this.deps.db, picked.map((op) => op.id));
    for (const [index, op] of picked.entries()) {
      // An operation with nothing to send is database work only, run to its end at once:
      // starting a few per turn of the event loop keeps such a burst short.
      if (index > 0 && index % START_BATCH === 0) await yieldToEvents();
      const done = this.run(rt, op).finally(async () => {
        running.delete(op.id);
        await this.dropHaltedWork(app).catch((e: unknown) => {
          this.log.error({ err: e, applicationId: app }, 'could not drop halted operations');
        });
        this.wake();
      });
      running.set(op.id, { key: `${op.kind}:${op.target_id}`, done });
    }
  }

  private async run(rt: AppRuntime, op: OperationRow): Promise<void> {
    try {
      await execute(rt, op);
      await complete(this.deps.db, op);
    } catch (error) {
      // Stopped before sending: the row stays running and is recovered at next start,
      // or, when the integration was deactivated, dropped with the rest of its work.
      if (error instanceof LimiterClosedError || this.halted.has(op.application_id)) return;
      await this.failed(op, error).catch((e: unknown) => {
        if (this.running) this.log.error({ err: e, op: op.id }, 'could not store a failure');
      });
    }
  }

  /**
   * A 429 waits for its Retry-After without using up an attempt; a 5xx or a lost
   * connection retries with exponential backoff and jitter; anything else, or the last
   * attempt, parks the operation as failed with its error.
   */
  private async failed(op: OperationRow, error: unknown): Promise<void> {
    const delivery = error instanceof DeliveryError ? error
      : new DeliveryError(error instanceof Error ? error.message : String(error), null, true);
    if (!(error instanceof DeliveryError)) {
      this.log.warn({ err: error, op: op.id, kind: op.kind }, 'operation failed unexpectedly');
    }
    if (delivery.status === 429) {
      await this.waitOrGiveUp(op, delivery);
      return;
    }
    const attempts = op.attempts + 1;
    const unanswered = delivery.status === null || delivery.status >= 500;
    if (unanswered) await forgetAbsence(this.deps.db, op);
    if (delivery.retryable && attempts < this.options.maxAttempts) {
      await reschedule(this.deps.db, op, { notBefore: new Date(Date.now()
        + this.backoff(attempts)), attempts, error: delivery.message });
      return;
    }
    await park(this.deps.db, op, attempts, delivery.message);
    await markFailed(this.deps.db, op, delivery.message);
    this.log.warn({ op: op.id, kind: op.kind, status: delivery.status },
      'operation parked as failed');
  }

  /**
   * A 429 waits for its Retry-After (1 s when it gave none) without using up an attempt,
   * until the operation has been throttled maxThrottled times: then it is parked.
   */
  private async waitOrGiveUp(op: OperationRow, delivery: DeliveryError): Promise<void> {
    const data = JSON.parse(op.data) as Record<string, unknown>;
    const count = Number(data.throttled ?? 0) + 1;
    if (count < this.options.maxThrottled) {
      await reschedule(this.deps.db, op, {
        notBefore: new Date(Date.now() + (delivery.retryAfterMs ?? 1000)),
        attempts: op.attempts, error: delivery.message, data: { ...data, throttled: count } });
      return;
    }
    const message = `The application answered 429 (too many requests) ${count} times; `
      + `gave up. Last answer: ${delivery.message}`;
    await park(this.deps.db, op, op.attempts, message);
    await markFailed(this.deps.db, op, message);
    await recordGivingUp(this.deps.db, op, message, count);
    this.log.warn({ op: op.id, kind: op.kind, throttled: count },
      'operation parked after 429s');
  }

  /** Full jitter over the upper half: between half and all of the doubled delay. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.retryMaxMs,
      this.options.retryBaseMs * 2 ** (attempt - 1));
    return Math.round(ceiling * (0.5 + Math.random() * 0.5));
  }

  private runtime(integration: ActiveIntegration): AppRuntime {
    const app = integration.application_id;
    const connector = findConnector(integration.connector);
    const capabilities = connector?.scim;
    if (!connector || !capabilities) {
      throw new Error(`connector ${integration.connector} has no SCIM support`);
    }
    const manageGroups = integration.manage_groups === 1;
    return {
      db: this.deps.db, applicationId: app, connectorName: connector.name,
      capabilities: capabilities as ScimCapabilities,
      client: this.client(integration), manageGroups,
      excludedAttributes: JSON.parse(integration.excluded_attributes) as string[],
      followUp: async (kind, targetIds, trx) => {
        if (targetIds.length === 0 || (kind === 'group' && !manageGroups)) return;
        if (this.halted.has(app)) return;
        await enqueue(trx ?? this.deps.db, app,
          targetIds.map((targetId) => ({ kind, targetId })));
      },
    };
  }

  private limiterOf(integration: ActiveIntegration): RateLimiter {
    return this.deps.limiters.get(integration.application_id, {
      requestsPerMinute: integration.requests_per_minute,
      concurrentReads: integration.concurrent_reads,
      concurrentWrites: integration.concurrent_writes,
    });
  }

  /** The application's client, made again only when its URL or token changed. */
  private client(integration: ActiveIntegration): ScimClient {
    const app = integration.application_id;
    const limiter = this.limiterOf(integration);
    const signature = `${integration.base_url} ${integration.token_encrypted}`;
    const cached = this.clients.get(app);
    if (cached?.signature === signature) return cached.client;
    const token = decryptSecret(this.deps.encryptionKey, integration.token_encrypted ?? '');
    const client = new ScimClient(integration.base_url, token, limiter);
    this.clients.set(app, { signature, client });
    return client;
  }

  /**
   * Wakes again when the earliest retry falls due. Only needed while nothing is in
   * flight: each operation that ends wakes the worker anyway.
   */
  private async scheduleNextDue(integrations: ActiveIntegration[]): Promise<void> {
    if (!this.running || [...this.inFlight.values()].some((m) => m.size > 0)) return;
    let earliest: number | null = null;
    for (const integration of integrations) {
      const due = await nextDueTime(this.deps.db, integration.application_id);
      if (due !== null && (earliest === null || due < earliest)) earliest = due;
    }
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (earliest === null || earliest <= Date.now()) return;
    this.dueTimer = setTimeout(this.wake, Math.min(earliest - Date.now() + 5, this.options.pollMs));
    this.dueTimer.unref();
  }
}

/**
 * Due operations to start: never two for one target at once; a reconcile alone (it
 * relinks every account, so nothing else may run beside it); and groups only once no
 * user operation is running, so a group is sent with all its new members' accounts in
 * one go rather than in a request per member as each account appears.
 */
function pickOperations(due: OperationRow[], busy: Set<string>, room: number):
  OperationRow[] {
  const picked: OperationRow[] = [];
  let usersBusy = [...busy].some((key) => key.startsWith('user:'));
  for (const op of due) {
    if (picked.length >= room) break;
    if (op.kind === 'reconcile') {
      if (busy.size === 0 && picked.length === 0) return [op];
      break;
    }
    if (op.kind === 'user') usersBusy = true;
    else if (usersBusy) break;
    const key = `${op.kind}:${op.target_id}`;
    if (busy.has(key)) continue;
    busy.add(key);
    picked.push(op);
  }
  return picked;
}

async function execute(rt: AppRuntime, op: OperationRow): Promise<void> {
  switch (op.kind) {
    case 'reconcile': return reconcile(rt);
    case 'user': return syncUser(rt, op.target_id);
    case 'group': return syncGroup(rt, op.target_id);
    case 'group.delete': return deleteGroup(rt, op.target_id, JSON.parse(op.data));
  }
}

/** Event types of the calls an operation of each kind is parked after. */
const GIVE_UP_EVENT: Record<OperationRow['kind'], ProvisionEventType> = {
  user: 'user_update_provision', group: 'group_update_provision',
  'group.delete': 'group_delete_provision', reconcile: 'user_lookup_provision',
};

/**
 * Records that an operation was given up after endless 429s, as a failure of the call
 * that was refused last (found in the event log), so it shows beside that call's events.
 */
async function recordGivingUp(db: Db, op: OperationRow, message: string,
  throttled: number): Promise<void> {
  let query = db.selectFrom('events').select(['type', 'resource_name'])
    .where('application_id', '=', op.application_id).where('type', 'in', PROVISION_EVENT_TYPES);
  query = op.kind === 'reconcile' ? query.where('resource_type', '=', 'application')
    : query.where(op.kind === 'user' ? 'user_id' : 'group_id', '=', op.target_id);
  const last = await query.orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const kind = op.kind === 'user' ? 'user' : op.kind === 'reconcile' ? 'application' : 'group';
  await recordProvisionEvent(db, {
    type: (last?.type as ProvisionEventType | undefined) ?? GIVE_UP_EVENT[op.kind],
    applicationId: op.application_id, success: false,
    subject: { kind, id: op.target_id, name: last?.resource_name ?? '' },
    status: 429, message, details: { gaveUp: true, throttled },
  });
}

/** Shows a parked failure on the user or group it concerns. */
async function markFailed(db: Db, op: OperationRow, message: string): Promise<void> {
  if (op.kind === 'user') {
    await db.updateTable('idm_users').set({ state: 'failed', error: message })
      .where('application_id', '=', op.application_id).where('user_id', '=', op.target_id)
      .execute();
  } else if (op.kind === 'group') {
    await db.updateTable('idm_groups').set({ state: 'failed', error: message })
      .where('application_id', '=', op.application_id).where('group_id', '=', op.target_id)
      .execute();
  }
}

import type { EventEmitter } from 'node:events';
import type { ApplicationService } from '../applications/service.js';
import type { Config } from '../config.js';
import { notFound } from '../http/errors.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { IntegrationService } from './integrations.js';
import { retryFailed } from './queue.js';
import { LimiterRegistry } from './rate-limiter.js';
import type { IdmUserState } from './tables.js';
import { DEFAULT_WORKER_OPTIONS, ProvisioningWorker } from './worker.js';

/** A managed user's account in the application, as the API shows it. */
export interface ProvisionedUser {
  userId: string;
  username: string;
  /** Directory status, or null once the user was deleted from the directory. */
  directoryStatus: 'active' | 'suspended' | null;
  state: IdmUserState;
  error: string | null;
  remoteId: string | null;
  /** True while an operation for this user waits in the queue. */
  queued: boolean;
  updatedAt: string;
}

export interface OperationView {
  id: number;
  kind: string;
  targetId: string;
  status: 'pending' | 'running' | 'failed';
  attempts: number;
  lastError: string | null;
  notBefore: string;
  updatedAt: string;
}

/**
 * Identity management as the admin API and portal use it: the integrations, the
 * worker that delivers changes, and what each managed user's account looks like.
 */
export class ProvisioningService {
  readonly integrations: IntegrationService;
  readonly worker: ProvisioningWorker;
  /** One rate limiter per application, for every SCIM request the service makes. */
  readonly limiters = new LimiterRegistry();

  constructor(private readonly deps: {
    config: Config; logger: Logger; db: Db; encryptionKey: Buffer;
    applications: ApplicationService; changes: EventEmitter;
  }) {
    const limiters = this.limiters;
    this.worker = new ProvisioningWorker({ db: deps.db, logger: deps.logger,
      encryptionKey: deps.encryptionKey, changes: deps.changes, limiters }, {
      ...DEFAULT_WORKER_OPTIONS,
      retryBaseMs: deps.config.scimRetryBaseMs,
      maxAttempts: deps.config.scimMaxAttempts,
      // Five times the attempts: a 429 is expected under load, a 5xx is not.
      maxThrottled: deps.config.scimMaxAttempts * 5,
    });
    this.integrations = new IntegrationService({ db: deps.db, applications: deps.applications,
      encryptionKey: deps.encryptionKey, limiters, worker: this.worker });
  }

  start(): Promise<void> {
    return this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Users with an account (or one on its way) in the application, by username. */
  async users(applicationId: string, page: { limit: number; offset: number; state?: string }):
    Promise<{ items: ProvisionedUser[]; total: number }> {
    await this.deps.applications.get(applicationId);
    let base = this.deps.db.selectFrom('idm_users')
      .leftJoin('users', 'users.id', 'idm_users.user_id')
      .where('idm_users.application_id', '=', applicationId);
    if (page.state) base = base.where('idm_users.state', '=', page.state as IdmUserState);
    const [rows, count, queued] = await Promise.all([
      base.select(['idm_users.user_id', 'idm_users.user_name', 'idm_users.state',
        'idm_users.error', 'idm_users.remote_id', 'idm_users.updated_at', 'users.status'])
        .orderBy('idm_users.user_name').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
      this.deps.db.selectFrom('idm_operations').select('target_id')
        .where('application_id', '=', applicationId).where('kind', '=', 'user')
        .where('status', 'in', ['pending', 'running']).execute(),
    ]);
    const waiting = new Set(queued.map((q) => q.target_id));
    return {
      items: rows.map((r) => ({
        userId: r.user_id, username: r.user_name, directoryStatus: r.status ?? null,
        state: r.state, error: r.error, remoteId: r.remote_id,
        queued: waiting.has(r.user_id), updatedAt: r.updated_at,
      })),
      total: Number(count?.n ?? 0),
    };
  }

  /** Queued and failed operations; failed ones carry their error and can be retried. */
  async operations(applicationId: string, status?: 'pending' | 'running' | 'failed'):
    Promise<OperationView[]> {
    await this.deps.applications.get(applicationId);
    let query = this.deps.db.selectFrom('idm_operations').selectAll()
      .where('application_id', '=', applicationId);
    if (status) query = query.where('status', '=', status);
    const rows = await query.orderBy('id', 'asc').limit(500).execute();
    return rows.map((r) => ({
      id: Number(r.id), kind: r.kind, targetId: r.target_id, status: r.status,
      attempts: r.attempts, lastError: r.last_error, notBefore: r.not_before,
      updatedAt: r.updated_at,
    }));
  }

  /** Queues a failed operation again. Throws 404 when no such failed operation exists. */
  async retry(applicationId: string, operationId: number): Promise<void> {
    await this.deps.applications.get(applicationId);
    if (!await retryFailed(this.deps.db, applicationId, operationId)) {
      throw notFound('Failed operation');
    }
    this.worker.wake();
  }
}

import { EventEmitter } from 'node:events';
import type { ApplicationService } from '../../applications/service.js';
import type { Config } from '../../config.js';
import type { UserService } from '../../directory/users.js';
import type { Actor } from '../../insights/events.js';
import type { Logger } from '../../log.js';
import type { Mailer } from '../../mail.js';
import type { Db } from '../../store/db.js';
import { type ImportResult, type ImportTarget, importOne, recoverCreated } from './importer.js';
import { completeJob, getJob, type ItemRow, markCreating, markNotified, openItems,
  runningJobIds, storeOutcome, unnotifiedJobIds } from './jobs.js';
import type { ScimUser } from './mapping.js';
import { completionNotice } from './notice.js';

export interface ImportWorkerDeps {
  db: Db;
  users: UserService;
  applications: ApplicationService;
  mailer: Mailer;
  logger: Logger;
  /** Read when a notice is made: its recipient and the base of its links. */
  config: Pick<Config, 'adminEmail' | 'publicUrl'>;
}

/** Emitted on `progress` after each user's outcome is stored. */
export interface ImportProgress {
  jobId: string;
  done: number;
  total: number;
}

const BATCH = 50;
/** Pause after a failed round (database or mail server trouble) before trying again. */
const RETRY_MS = 15_000;

/**
 * Runs large imports in the background, one job at a time, one user at a time. Each
 * outcome is stored before the next user is taken, so a stop at any moment loses
 * nothing, and a restart resumes with the first undecided user.
 */
export class ImportWorker {
  /** `progress` events ({@link ImportProgress}), for pages that show a job moving. */
  readonly progress = new EventEmitter();
  private readonly log: Logger;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(private readonly deps: ImportWorkerDeps) {
    this.log = deps.logger.child({ category: 'import' });
  }

  /** Starts the loop; it resumes every job a previous run left unfinished. */
  start(): void {
    this.stopping = false;
    this.loop ??= this.run();
  }

  /** Tells the loop a job is waiting. */
  kick(): void {
    this.wake?.();
  }

  /**
   * Stops after the user in hand; the flag is set before the first await, so a caller
   * reacting to a progress event stops the job exactly there.
   */
  stop(): Promise<void> {
    this.stopping = true;
    this.kick();
    const loop = this.loop ?? Promise.resolve();
    this.loop = null;
    return loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let worked = false;
      let failed = false;
      try {
        worked = await this.round();
      } catch (error) {
        failed = true;
        this.log.error({ err: error }, 'import round failed; trying again later');
      }
      if (!worked && !this.stopping) await this.idle(failed ? RETRY_MS : undefined);
    }
  }

  /**
   * One pass: notices owed, then the oldest running job. True when it ran a job; throws
   * when notices are still owed, so the loop tries them again after a pause.
   */
  private async round(): Promise<boolean> {
    const owed = await this.sendOwedNotices();
    const [jobId] = await runningJobIds(this.deps.db);
    if (jobId) {
      await this.runJob(jobId);
      return true;
    }
    if (owed > 0) throw new Error(`${owed} import notices could not be sent yet`);
    return false;
  }

  /** Sends every notice a completed job still owes; a failure never holds up a job. */
  private async sendOwedNotices(): Promise<number> {
    let owed = 0;
    for (const jobId of await unnotifiedJobIds(this.deps.db)) {
      if (this.stopping) break;
      try {
        await this.notify(jobId);
      } catch (error) {
        owed += 1;
        this.log.warn({ err: error, jobId }, 'import notice not sent; trying again later');
      }
    }
    return owed;
  }

  private idle(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? null : setTimeout(done, ms);
      function done() {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private async runJob(jobId: string): Promise<void> {
    const job = await getJob(this.deps.db, jobId);
    const actor: Actor = { type: 'admin', id: job.initiator.id, name: job.initiator.name };
    const target = { applicationId: job.applicationId, actor };
    if (job.done > 0) this.log.info({ jobId, done: job.done, total: job.total }, 'resuming import');
    while (!this.stopping) {
      const items = await openItems(this.deps.db, jobId, BATCH);
      if (items.length === 0) {
        await this.finish(target, jobId);
        return;
      }
      for (const item of items) {
        if (this.stopping) return;
        const stored = await storeOutcome(this.deps.db, target, jobId, item.position,
          await this.decide(target, jobId, item));
        this.progress.emit('progress',
          { jobId, done: stored.done, total: stored.total } satisfies ImportProgress);
      }
    }
  }

  private async decide(target: ImportTarget, jobId: string, item: ItemRow):
    Promise<ImportResult> {
    const source = item.source ? JSON.parse(item.source) as ScimUser : null;
    const recovered = item.state === 'creating'
      ? await recoverCreated(this.deps.db, item.user_name, source, item.started_at) : null;
    return recovered ?? importOne(this.deps.db, this.deps.users, target, item.user_name, source,
      () => markCreating(this.deps.db, jobId, item.position));
  }

  private async finish(target: ImportTarget, jobId: string): Promise<void> {
    const job = await completeJob(this.deps.db, target, jobId);
    this.log.info({ jobId, total: job.total, ...job.counts }, 'import complete');
    await this.notify(jobId);
  }

  /**
   * Sends the completion notice, then notes it. A crash in between sends it again on the
   * next start; the outbox file has a fixed name per job, so it is replaced, not doubled.
   */
  private async notify(jobId: string): Promise<void> {
    const job = await getJob(this.deps.db, jobId);
    const app = await this.deps.applications.get(job.applicationId);
    await this.deps.mailer.send(completionNotice(job, {
      to: this.deps.config.adminEmail, publicUrl: this.deps.config.publicUrl,
      applicationLabel: app.label,
    }));
    await markNotified(this.deps.db, jobId);
  }
}

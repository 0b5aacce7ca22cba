import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { ApplicationService } from '../../applications/service.js';
import type { Config } from '../../config.js';
import type { UserService } from '../../directory/users.js';
import type { Actor } from '../../insights/events.js';
import type { Logger } from '../../log.js';
import type { Mailer } from '../../mail.js';
import type { Db } from '../../store/db.js';
import { type ImportResult, type ImportTarget, importOne, recoverCreated } from './importer.js';
import { beginNotice, completeJob, getJob, type ImportJob, type ItemRow, markCreating,
  markNotified, openItems, runningJobIds, selectedOf, storeOutcome, unnotifiedJobIds } from
  './jobs.js';
import { claimJob, releaseLease, renewLease } from './lease.js';
import { completionNotice } from './notice.js';

export interface ImportWorkerDeps {
  db: Db;
  users: UserService;
  applications: ApplicationService;
  mailer: Mailer;
  logger: Logger;
  /** Read when a notice is made: its recipient and the base of its links. */
  config: Pick<Config, 'adminEmail' | 'publicUrl' | 'importLeaseSeconds'>;
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

/** Thrown out of a job whose lease lapsed and was taken by another process. */
class LeaseLost extends Error {}

/**
 * Runs large imports in the background, one job at a time, one user at a time. Each
 * outcome is stored before the next user is taken, so a stop at any moment loses
 * nothing, and a restart resumes with the first undecided user. A job is run under a
 * lease ({@link claimJob}), so with several processes on one database only one runs it.
 */
export class ImportWorker {
  /** `progress` events ({@link ImportProgress}), for pages that show a job moving. */
  readonly progress = new EventEmitter();
  /** This process's name on the leases it holds. */
  readonly owner = randomUUID();
  private readonly log: Logger;
  private renewedAt = 0;
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
      let pause: number | undefined;
      let worked = false;
      try {
        const round = await this.round();
        worked = round === 'worked';
        // Another process holds every open job: look again once its lease could lapse.
        if (round === 'held_elsewhere') pause = this.leaseMs / 2;
      } catch (error) {
        pause = RETRY_MS;
        this.log.error({ err: error }, 'import round failed; trying again later');
      }
      if (!worked && !this.stopping) await this.idle(pause);
    }
  }

  /**
   * One pass: notices owed, then the oldest running job this process can claim. Throws
   * when notices are still owed, so the loop tries them again after a pause.
   */
  private async round(): Promise<'worked' | 'idle' | 'held_elsewhere'> {
    const owed = await this.sendOwedNotices();
    const jobIds = await runningJobIds(this.deps.db);
    for (const jobId of jobIds) {
      if (this.stopping) return 'idle';
      if (!await claimJob(this.deps.db, jobId, this.owner, this.leaseMs)) continue;
      await this.runClaimed(jobId);
      return 'worked';
    }
    if (owed > 0) throw new Error(`${owed} import notices could not be sent yet`);
    return jobIds.length > 0 ? 'held_elsewhere' : 'idle';
  }

  /** Sends every notice a completed job still owes; a failure never holds up a job. */
  private async sendOwedNotices(): Promise<number> {
    let owed = 0;
    for (const jobId of await unnotifiedJobIds(this.deps.db)) {
      if (this.stopping) break;
      if (!await claimJob(this.deps.db, jobId, this.owner, this.leaseMs)) continue;
      try {
        await this.notify(jobId);
      } catch (error) {
        owed += 1;
        this.log.warn({ err: error, jobId }, 'import notice not sent; trying again later');
      } finally {
        await releaseLease(this.deps.db, jobId, this.owner);
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

  /** Runs a job this process has claimed, and gives the lease up however it ends. */
  private async runClaimed(jobId: string): Promise<void> {
    this.renewedAt = Date.now();
    try {
      await this.runJob(jobId);
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
      this.log.warn({ jobId }, 'import lease lapsed and another process took the job');
    } finally {
      await releaseLease(this.deps.db, jobId, this.owner);
    }
  }

  private async runJob(jobId: string): Promise<void> {
    const job = await getJob(this.deps.db, jobId);
    const actor: Actor = { type: 'admin', id: job.initiator.id, name: job.initiator.name };
    const target = { applicationId: job.applicationId, actor };
    if (job.done > 0) {
      this.log.info({ jobId, done: job.done, total: job.total }, 'resuming import');
    }
    while (!this.stopping) {
      const items = await openItems(this.deps.db, jobId, BATCH);
      if (items.length === 0) {
        await this.finish(target, jobId);
        return;
      }
      for (const item of items) {
        if (this.stopping) return;
        await this.keepLease(jobId);
        const stored = await storeOutcome(this.deps.db, target, jobId, item.position,
          await this.decide(target, jobId, item));
        this.progress.emit('progress',
          { jobId, done: stored.done, total: stored.total } satisfies ImportProgress);
      }
      // On SQLite every query above completes without waiting on I/O, so a batch would
      // otherwise hold the event loop and no request would be answered until the job ends.
      await yieldToEvents();
    }
  }

  private get leaseMs(): number {
    return this.deps.config.importLeaseSeconds * 1000;
  }

  /**
   * Renews the lease once a third of it has passed, well before another process may
   * take it. @throws LeaseLost.
   */
  private async keepLease(jobId: string): Promise<void> {
    if (Date.now() - this.renewedAt < this.leaseMs / 3) return;
    if (!await renewLease(this.deps.db, jobId, this.owner, this.leaseMs)) {
      throw new LeaseLost();
    }
    this.renewedAt = Date.now();
  }

  private async decide(target: ImportTarget, jobId: string, item: ItemRow):
    Promise<ImportResult> {
    const selected = selectedOf(item);
    const recovered = item.state === 'creating'
      ? await recoverCreated(this.deps.db, selected, item.started_at) : null;
    return recovered ?? importOne(this.deps.db, this.deps.users, target, selected,
      () => markCreating(this.deps.db, jobId, item.position));
  }

  private async finish(target: ImportTarget, jobId: string): Promise<void> {
    const job = await completeJob(this.deps.db, target, jobId);
    this.log.info({ jobId, total: job.total, ...job.counts }, 'import complete');
    await this.notify(jobId);
  }

  /**
   * Notes the attempt, sends the completion notice, then notes that it went out. A crash
   * between sending and noting sends it again on the next start, under the same
   * Message-ID (and, in the outbox, the same file name), so it is one message, not two.
   */
  private async notify(jobId: string): Promise<void> {
    const job = await getJob(this.deps.db, jobId);
    if (job.notifiedAt) return;
    const app = await this.deps.applications.get(job.applicationId);
    const attempt = await beginNotice(this.deps.db, jobId, this.messageIdOf(job));
    if (attempt.repeat) {
      this.log.warn({ jobId, messageId: attempt.messageId },
        'import notice may have gone out before; sending it again with the same Message-ID');
    }
    await this.deps.mailer.send({ ...completionNotice(job, {
      to: this.deps.config.adminEmail, publicUrl: this.deps.config.publicUrl,
      applicationLabel: app.label,
    }), messageId: attempt.messageId });
    await markNotified(this.deps.db, jobId);
  }

  /** A Message-ID that names the job, under the service's own host name. */
  private messageIdOf(job: ImportJob): string {
    const host = URL.canParse(this.deps.config.publicUrl)
      ? new URL(this.deps.config.publicUrl).hostname || 'localhost' : 'localhost';
    return `<import-${job.id}@${host}>`;
  }
}

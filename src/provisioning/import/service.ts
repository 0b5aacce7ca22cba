import type { ApplicationService } from '../../applications/service.js';
import type { Actor } from '../../insights/events.js';
import { type ImportResult, type ImportTarget, importOne, recordImportEvent } from
  './importer.js';
import { createJob, getJob, type ImportJob, jobResults, type SelectedUser } from './jobs.js';
import { buildListing, type ImportListing } from './listing.js';
import type { ScimUser } from './mapping.js';
import { NOT_MANAGED_NOTICE } from './notice.js';
import type { ApplicationUserSource } from './source.js';
import { ImportWorker, type ImportWorkerDeps } from './worker.js';

/** Selections of this many users or more run as a background job. */
export const JOB_THRESHOLD = 100;
/**
 * How long the listing an administrator was shown stays usable by the import made from
 * it, in milliseconds. Reading the application's users again costs one request per 100
 * users, which at a low rate limit can hold the import's answer for minutes.
 */
const SHOWN_LISTING_MS = 10 * 60_000;
/** Applications whose shown listing is kept at once; beyond this the oldest is dropped. */
const SHOWN_LISTINGS_KEPT = 4;

/** Which application users to import: by the application's ids, or by userName. */
export type ImportSelection = { userIds: string[] } | { userNames: string[] };

export type ImportCounts = ImportJob['counts'];

/** A small import's results, or the job a large one became. */
export type ImportAnswer =
  | { mode: 'immediate'; results: ImportResult[]; counts: ImportCounts; notice: string }
  | { mode: 'job'; job: ImportJob; notice: string };

export interface ImportServiceDeps extends ImportWorkerDeps {
  source: ApplicationUserSource;
}

function countsOf(results: ImportResult[]): ImportCounts {
  const count = (outcome: ImportResult['outcome']) =>
    results.filter((r) => r.outcome === outcome).length;
  return { created: count('created'), alreadyPresent: count('already_present'),
    skipped: count('skipped') };
}

/**
 * Pairs each selected key with the application's user, once per user whatever the
 * letter case or repetition of the selection. Keys the application does not return
 * stay in, with no user, so their result can say so.
 */
export function resolveSelection(selection: ImportSelection, appUsers: ScimUser[]):
  SelectedUser[] {
  const byId = 'userIds' in selection;
  const keys = byId ? selection.userIds : selection.userNames;
  const index = new Map(appUsers.map((u) => [byId ? u.id : u.userName.toLowerCase(), u]));
  const seen = new Set<string>();
  const resolved: SelectedUser[] = [];
  for (const key of keys) {
    const lookup = byId ? key : key.toLowerCase();
    if (seen.has(lookup)) continue;
    seen.add(lookup);
    const source = index.get(lookup) ?? null;
    if (source) resolved.push({ userName: source.userName, applicationUserId: source.id, source });
    else resolved.push(byId ? { userName: null, applicationUserId: key, source }
      : { userName: key, applicationUserId: null, source });
  }
  return resolved;
}

/** Listing an application's users for import, and importing the selected ones. */
export class ImportService {
  readonly worker: ImportWorker;
  /** The last listing shown per application, kept for the import that follows it. */
  private readonly shown = new Map<string, { at: number; users: ScimUser[] }>();

  constructor(private readonly deps: ImportServiceDeps) {
    this.worker = new ImportWorker(deps);
  }

  /**
   * The application's users, each New or Imported; suspended ones are not offered.
   * @throws HttpError 404 unknown application, 409 `idm_not_active`.
   */
  async list(applicationId: string, newOnly: boolean): Promise<ImportListing> {
    await this.deps.applications.get(applicationId);
    const appUsers = await this.deps.source.listUsers(applicationId);
    this.keepShown(applicationId, appUsers);
    return buildListing(this.deps.db, appUsers, newOnly);
  }

  /**
   * Imports the selected users: fewer than {@link JOB_THRESHOLD} at once, with every
   * result; more as a background job whose progress `job()` reports.
   * @throws HttpError 404 unknown application, 409 `idm_not_active`.
   */
  async importUsers(applicationId: string, selection: ImportSelection, actor: Actor):
    Promise<ImportAnswer> {
    await this.deps.applications.get(applicationId);
    const appUsers = this.takeShown(applicationId)
      ?? await this.deps.source.listUsers(applicationId);
    const selected = resolveSelection(selection, appUsers);
    const target = { applicationId, actor };
    if (selected.length < JOB_THRESHOLD) {
      const results = await this.importNow(target, selected);
      return { mode: 'immediate', results, counts: countsOf(results),
        notice: NOT_MANAGED_NOTICE };
    }
    const jobId = await createJob(this.deps.db, target, selected);
    this.worker.kick();
    return { mode: 'job', job: await getJob(this.deps.db, jobId), notice: NOT_MANAGED_NOTICE };
  }

  private keepShown(applicationId: string, users: ScimUser[]): void {
    this.shown.delete(applicationId);
    if (this.shown.size >= SHOWN_LISTINGS_KEPT) this.shown.delete(this.shown.keys().next().value!);
    this.shown.set(applicationId, { at: Date.now(), users });
  }

  /**
   * The listing shown for this application within SHOWN_LISTING_MS, used once: the
   * selection was made from exactly these users. Null when there is none to use.
   */
  private takeShown(applicationId: string): ScimUser[] | null {
    const kept = this.shown.get(applicationId);
    this.shown.delete(applicationId);
    return kept && Date.now() - kept.at < SHOWN_LISTING_MS ? kept.users : null;
  }

  /** A job's progress and the results decided so far. @throws HttpError 404. */
  async job(jobId: string): Promise<ImportJob & { results: ImportResult[] }> {
    const job = await getJob(this.deps.db, jobId);
    return { ...job, results: await jobResults(this.deps.db, jobId) };
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  private async importNow(target: ImportTarget, selected: SelectedUser[]):
    Promise<ImportResult[]> {
    const results: ImportResult[] = [];
    for (const user of selected) {
      const outcome = await importOne(this.deps.db, this.deps.users, target, user);
      await recordImportEvent(this.deps.db, target, outcome, null);
      results.push(outcome);
    }
    return results;
  }
}

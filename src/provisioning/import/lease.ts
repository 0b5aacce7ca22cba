import type { Db } from '../../store/db.js';

/*
 * A lease on an import job: the process that holds it runs the job (or sends its
 * notice) and no other does, even with several service processes on one database. It
 * lapses on its own, so a process that died does not hold a job for ever.
 */

const isoAt = (ms: number) => new Date(ms).toISOString();

/**
 * Takes the job for `owner`, for `leaseMs`, when nobody holds it, the lease lapsed, or
 * `owner` holds it already. One conditional update, so two processes racing for it
 * cannot both win.
 */
export async function claimJob(db: Db, jobId: string, owner: string, leaseMs: number):
  Promise<boolean> {
  const at = Date.now();
  const result = await db.updateTable('import_jobs')
    .set({ lease_owner: owner, lease_expires_at: isoAt(at + leaseMs) })
    .where('id', '=', jobId)
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner),
      eb('lease_expires_at', '<', isoAt(at))]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Extends the lease; false when `owner` no longer holds it (it lapsed and was taken). */
export async function renewLease(db: Db, jobId: string, owner: string, leaseMs: number):
  Promise<boolean> {
  const result = await db.updateTable('import_jobs')
    .set({ lease_expires_at: isoAt(Date.now() + leaseMs) })
    .where('id', '=', jobId).where('lease_owner', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Gives the job up at once, so another process or the next start need not wait. */
export async function releaseLease(db: Db, jobId: string, owner: string): Promise<void> {
  await db.updateTable('import_jobs').set({ lease_owner: null, lease_expires_at: null })
    .where('id', '=', jobId).where('lease_owner', '=', owner).execute();
}

/*
 * Tables of user import. A large import is a job with one row per selected user, so a
 * restart resumes where it stopped and never creates a user twice.
 */

export type ImportJobStatus = 'running' | 'completed';

/** What happened to one application user in an import. */
export type ImportOutcome = 'created' | 'already_present' | 'skipped';

export interface ImportJobsTable {
  id: string;
  application_id: string;
  status: ImportJobStatus;
  /** Selected users, and how many of them are decided so far. */
  total: number;
  done: number;
  created: number;
  already_present: number;
  skipped: number;
  initiator_id: string | null;
  initiator_name: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** When the completion notice went out; null until it has. */
  notified_at: string | null;
  /** The process running the job or sending its notice, and until when it may. */
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** Message-ID of the completion notice, fixed at the first attempt to send it. */
  notice_message_id: string | null;
  /** When sending the notice was last attempted; set with notified_at still null. */
  notice_sending_at: string | null;
}

export interface ImportJobItemsTable {
  job_id: string;
  /** Order of the user in the selection, from 0. */
  position: number;
  user_name: string;
  /**
   * The application's user as listed when the job was made (JSON); for an id it does not
   * have, `{"missingId": id}`; null for a userName it does not have.
   */
  source: string | null;
  /** pending, then creating (a create may have been sent), then done. */
  state: 'pending' | 'creating' | 'done';
  /** When the item entered `creating`, to recognise a user this job created before a crash. */
  started_at: string | null;
  outcome: ImportOutcome | null;
  /** Stable code of why the user was not created, and its human message. */
  reason: string | null;
  message: string | null;
  user_id: string | null;
}

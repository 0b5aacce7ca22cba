import type { MailMessage } from '../../mail.js';
import type { ImportJob } from './jobs.js';

/** Said with every import result: importing alone gives nobody the application. */
export const NOT_MANAGED_NOTICE = 'Imported users are not managed in the application, and '
  + 'cannot sign in to it, until they are members of a user group bound to it.';

export interface NoticeContext {
  to: string;
  publicUrl: string;
  applicationLabel: string;
}

/** The completion notice of a large import, with its counts. */
export function completionNotice(job: ImportJob, context: NoticeContext): MailMessage {
  const { created, alreadyPresent, skipped } = job.counts;
  return {
    key: `import-${job.id}`,
    to: context.to,
    subject: `User import from ${context.applicationLabel} complete: ${created} created, `
      + `${alreadyPresent} already present, ${skipped} skipped`,
    text: [
      `The import of ${job.total} users from ${context.applicationLabel} is complete.`,
      '',
      `  Created:          ${created}`,
      `  Already present:  ${alreadyPresent}`,
      `  Skipped:          ${skipped}`,
      '',
      `Started by ${job.initiator.name ?? 'an administrator'} at ${job.createdAt}, `
        + `completed at ${job.completedAt ?? ''}.`,
      `Results per user: ${context.publicUrl}/api/v1/import-jobs/${job.id}`,
      '',
      NOT_MANAGED_NOTICE,
      'Imported users have no password yet: set one, or send them a set-password link.',
      '',
    ].join('\n'),
  };
}

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

/**
 * The admin portal's page of the job. The API route would answer a browser 401: it takes
 * an API token, while the page signs the administrator in like any other portal page.
 */
export function jobPageUrl(job: ImportJob, publicUrl: string): string {
  const app = encodeURIComponent(job.applicationId);
  return `${publicUrl}/admin/applications/${app}/identity/import/jobs/`
    + encodeURIComponent(job.id);
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
      `Results per user: ${jobPageUrl(job, context.publicUrl)}`,
      '',
      NOT_MANAGED_NOTICE,
      'Imported users have no password yet: set one, or send them a set-password link.',
      '',
    ].join('\n'),
  };
}

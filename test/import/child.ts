import { setTimeout as sleep } from 'node:timers/promises';
import { runService, type ServiceProcess } from '../support/process.js';
import type { ScimSp } from '../support/scim-sp/index.js';
import { api } from './support.js';

/** The real service in a child process, with its admin API. */
export interface ChildService {
  process: ServiceProcess;
  url: string;
  apiKey: string;
}

/**
 * Starts `src/main.ts` on the data directory; the API key is read from the first-start
 * output, or given when the directory was used before.
 */
export async function startChild(env: Record<string, string>, apiKey?: string):
  Promise<ChildService> {
  const child = runService({ LOG_LEVEL: 'info', ...env });
  const url = await child.listening();
  const keyLine = apiKey ?? await child.line((l) => l.includes('admin API key'));
  const key = apiKey ?? /(idp_\S+)/.exec(keyLine)![1]!;
  return { process: child, url, apiKey: key };
}

/** A job as the admin API shows it. */
export interface JobView { status: string; done: number; total: number;
  notifiedAt: string | null;
  counts: { created: number; alreadyPresent: number; skipped: number } }

/** Polls a child service's import job until `done` holds. */
export async function untilJob(service: ChildService, jobId: string,
  done: (job: JobView) => boolean): Promise<JobView> {
  for (let i = 0; i < 1200; i += 1) {
    const job = (await api(service).get(`/import-jobs/${jobId}`).expect(200)).body;
    if (done(job)) return job as JobView;
    await sleep(25);
  }
  throw new Error('the job never reached the expected state');
}

/** A custom SAML application with identity management active against the test provider. */
export async function childAppWithIdm(service: ChildService, sp: ScimSp): Promise<string> {
  const client = api(service);
  const app = await client.post('/applications', { connector: 'custom-saml', label: 'Tasks' })
    .expect(201);
  const idm = `/applications/${app.body.id}/identity-management`;
  await client.put(idm, { baseUrl: sp.baseUrl, token: sp.token }).expect(200);
  await client.post(`${idm}/activate`, {}).expect(200);
  return app.body.id as string;
}

/** Log lines of the child whose message is `msg`, parsed. */
export function logsOf(child: ChildService, msg: string): Record<string, unknown>[] {
  return child.process.stdout.filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
}

/** The user named by each `user_import` event, every page of the event log. */
export async function importedNames(service: ChildService): Promise<string[]> {
  const names: string[] = [];
  let cursor = '';
  do {
    const page = (await api(service).get(`/events?type=user_import&limit=500${cursor}`)
      .expect(200)).body as { events: { resource: { name: string } }[];
        nextCursor: number | null };
    names.push(...page.events.map((e) => e.resource.name));
    cursor = page.nextCursor ? `&cursor=${page.nextCursor}` : '';
  } while (cursor);
  return names;
}

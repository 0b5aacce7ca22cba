import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImportProgress } from '../../src/provisioning/import/worker.js';
import { getJob } from '../../src/provisioning/import/jobs.js';
import { openDatabase } from '../../src/store/db.js';
import { adminAgent } from '../support/admin-agent.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';
import { api, appUser, appWithActiveIdm, directoryUsernames, outbox, seedNewUsers } from
  './support.js';

/** The "Results per user" link of a notice, its quoted-printable line breaks undone. */
function resultsLink(eml: string): string {
  const body = eml.slice(eml.indexOf('\n\n')).replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = /^Results per user: (\S+)$/m.exec(body);
  if (!match) throw new Error('the notice has no results link');
  return match[1]!;
}

interface JobView { id: string; status: string; done: number; total: number;
  counts: { created: number; alreadyPresent: number; skipped: number };
  notifiedAt: string | null; results: { outcome: string }[] }

/** Polls the job until it is complete and its notice went out; returns every answer seen. */
async function untilNotified(service: TestService, jobId: string): Promise<JobView[]> {
  const seen: JobView[] = [];
  for (let i = 0; i < 600; i += 1) {
    const res = await api(service).get(`/import-jobs/${jobId}`).expect(200);
    seen.push(res.body as JobView);
    if (res.body.status === 'completed' && res.body.notifiedAt) return seen;
    await sleep(50);
  }
  throw new Error(`job ${jobId} did not complete`);
}

/** Stops the service right after the job's `at`-th user, before the next one starts. */
function stopAfter(service: TestService, at: number): Promise<void> {
  return new Promise((resolve, reject) => {
    service.ctx.imports.worker.progress.on('progress', (p: ImportProgress) => {
      if (p.done === at) service.stop().then(resolve, reject);
    });
  });
}

describe('large imports run as a background job', () => {
  let service: TestService;
  let sp: ScimSp;
  let appId: string;
  const selection: string[] = [];

  before(async () => {
    service = await startTestService();
    sp = await startScimSp();
    appId = (await appWithActiveIdm(service, sp)).id;
    selection.push(...seedNewUsers(sp, 245).map((u) => u.userName));
    for (let i = 0; i < 5; i += 1) {
      selection.push(sp.seedUser(appUser(`off.${i}@example.com`, { active: false })).userName);
    }
  });
  after(async () => {
    await service.dispose();
    await sp.stop();
  });

  it('imports 250 users as a job that survives a restart and sends one notice', async () => {
    const stopped = stopAfter(service, 100);
    const started = await api(service).post(`/applications/${appId}/import`,
      { userNames: selection }).expect(202);
    assert.equal(started.body.mode, 'job');
    assert.equal(started.body.job.total, 250);
    assert.match(started.body.notice, /bound to it/);
    const jobId = started.body.job.id as string;
    await stopped;

    // Stopped in the middle: the stored progress says so, and no notice went out.
    const database = await openDatabase({ dataDir: service.dataDir, databaseUrl: null });
    const midway = await getJob(database.db, jobId);
    await database.close();
    assert.equal(midway.status, 'running');
    assert.equal(midway.done, 100);
    assert.equal(outbox(service.dataDir).length, 0);

    service = await startTestService({}, service);
    const answers = await untilNotified(service, jobId);
    const final = answers[answers.length - 1]!;
    assert.equal(final.done, 250);
    assert.equal(final.total, 250);
    assert.deepEqual(final.counts, { created: 245, alreadyPresent: 0, skipped: 5 });
    assert.equal(final.results.length, 250);
    assert.ok(answers.every((a, i) => i === 0 || a.done >= answers[i - 1]!.done));
    assert.ok(service.log.lines.some((l) => l.includes('resuming import')
      && l.includes('"done":100')));

    const names = await directoryUsernames(service);
    assert.equal(names.length, 245);
    assert.equal(new Set(names).size, 245);
    assert.equal(names.some((n) => n.startsWith('off.')), false);

    const notices = outbox(service.dataDir);
    assert.equal(notices.length, 1);
    assert.equal(notices[0]!.file, `import-${jobId}.eml`);
    assert.match(notices[0]!.text, /^To: admin@localhost$/m);
    const split = notices[0]!.text.indexOf('\n\n');
    const [head, body] = [notices[0]!.text.slice(0, split), notices[0]!.text.slice(split)];
    assert.match(head.replace(/\n[ \t]+/g, ' '),
      /^Subject: .*245 created, 0 already present, 5 skipped$/m);
    assert.match(body, /^ {2}Skipped: +5$/m);
  });

  it('links the notice to the admin portal page of the job, which an administrator opens',
    async () => {
      const [notice] = outbox(service.dataDir);
      const jobId = /^import-(.+)\.eml$/.exec(notice!.file)![1]!;
      const link = new URL(resultsLink(notice!.text));
      assert.equal(link.origin, new URL(service.url).origin);
      assert.equal(link.pathname, `/admin/applications/${appId}/identity/import/jobs/${jobId}`);
      const agent = await adminAgent(service.url, service.adminPassword);
      const page = await agent.get(link.pathname).expect(200);
      assert.match(page.text, /off\.0@example\.com/);
    });

  it('creates no duplicate when the same large import runs again', async () => {
    const started = await api(service).post(`/applications/${appId}/import`,
      { userNames: selection }).expect(202);
    const answers = await untilNotified(service, started.body.job.id as string);
    assert.deepEqual(answers[answers.length - 1]!.counts,
      { created: 0, alreadyPresent: 245, skipped: 5 });
    assert.equal((await directoryUsernames(service)).length, 245);
    assert.equal(outbox(service.dataDir).length, 2);
  });

  it('reports an id the application does not have as that id in the job results',
    async () => {
      const listed = await api(service).get(`/applications/${appId}/import/users`).expect(200);
      const ids = (listed.body.items as { id: string }[]).slice(0, 99).map((u) => u.id);
      const started = await api(service).post(`/applications/${appId}/import`,
        { userIds: ['no-such-id', ...ids] }).expect(202);
      const answers = await untilNotified(service, started.body.job.id as string);
      const results = answers[answers.length - 1]!.results as (JobView['results'][number]
        & { userName: string | null; applicationUserId: string | null; reason: string })[];
      assert.equal(results.length, 100);
      assert.deepEqual({ ...results[0]!, message: undefined }, { userName: null,
        applicationUserId: 'no-such-id', outcome: 'skipped', reason: 'not_in_application',
        message: undefined, userId: null });
      assert.equal(results[1]!.applicationUserId, ids[0]);
      assert.equal(typeof results[1]!.userName, 'string');
    });

  it('answers 404 for an unknown job', async () => {
    const res = await api(service).get('/import-jobs/unknown').expect(404);
    assert.equal(res.body.error.code, 'not_found');
  });
});

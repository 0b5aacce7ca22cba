import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopService } from '../support/process.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import {
  childAppWithIdm, type ChildService, importedNames, type JobView, logsOf, startChild, untilJob,
} from './child.js';
import { startSmtp, type TestSmtp } from './smtp.js';
import { api, seedNewUsers } from './support.js';

/** How many `import complete` lines the service logged for the job. */
const completions = (service: ChildService, jobId: string) =>
  logsOf(service, 'import complete').filter((l) => l.jobId === jobId).length;

describe('two service processes on one database', () => {
  const root = mkdtempSync(join(tmpdir(), 'idp-two-'));
  const env = { DATA_DIR: join(root, 'data'), CERTS_DIR: join(root, 'certs') };
  let sp: ScimSp;
  let smtp: TestSmtp;
  let a: ChildService;
  let b: ChildService;
  let releaseFirst: () => void = () => {};
  let holdNoticeOf = '';

  before(async () => {
    sp = await startScimSp();
    // The first job's notice is held unanswered: its sender keeps the lease meanwhile.
    smtp = await startSmtp(0, (message, accept) => {
      if (holdNoticeOf && message.text.includes(holdNoticeOf)) releaseFirst = accept;
      else accept();
    });
    a = await startChild({ ...env, SMTP_URL: smtp.url });
    b = await startChild({ ...env, SMTP_URL: smtp.url }, a.apiKey);
  });
  after(async () => {
    releaseFirst();
    await Promise.all([a, b].filter(Boolean).map((s) => stopService(s.process)));
    await smtp.stop();
    await sp.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('run each import job on one of them and send its notice once', async () => {
    const appId = await childAppWithIdm(a, sp);
    const first = seedNewUsers(sp, 400, 'first').map((u) => u.userName);
    const second = seedNewUsers(sp, 150, 'second').map((u) => u.userName);
    const jobA = (await api(a).post(`/applications/${appId}/import`,
      { userNames: first }).expect(202)).body.job.id as string;
    holdNoticeOf = jobA;
    // Wakes the other process while the first job runs or its notice is on its way: the
    // two race for the jobs, and each job must be run by one of them only.
    const jobB = (await api(b).post(`/applications/${appId}/import`,
      { userNames: second }).expect(202)).body.job.id as string;

    const doneB = await untilJob(b, jobB, (j) => j.notifiedAt !== null);
    assert.deepEqual(doneB.counts, { created: 150, alreadyPresent: 0, skipped: 0 });
    const noticesOf = (jobId: string) => smtp.received.filter((m) => m.text.includes(jobId));
    for (let i = 0; i < 1200 && noticesOf(jobA).length === 0; i += 1) await sleep(50);
    const heldA = (await api(b).get(`/import-jobs/${jobA}`).expect(200)).body as JobView;
    assert.equal(heldA.status, 'completed');
    assert.equal(heldA.notifiedAt, null);
    assert.equal(noticesOf(jobA).length, 1);

    releaseFirst();
    const doneA = await untilJob(a, jobA, (j) => j.notifiedAt !== null);
    assert.deepEqual(doneA.counts, { created: 400, alreadyPresent: 0, skipped: 0 });
    assert.equal(doneA.done, 400);
    assert.equal(smtp.received.length, 2);
    assert.equal(noticesOf(jobA).length, 1);
    assert.equal(noticesOf(jobB).length, 1);
    // Whichever process claimed a job first ran it; the other never did.
    assert.equal(completions(a, jobA) + completions(b, jobA), 1);
    assert.equal(completions(a, jobB) + completions(b, jobB), 1);

    const names = await importedNames(a);
    assert.equal(names.length, 550);
    assert.equal(new Set(names).size, 550);
  });
});

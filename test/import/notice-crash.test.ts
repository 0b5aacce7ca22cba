import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { getJob } from '../../src/provisioning/import/jobs.js';
import { openDatabase } from '../../src/store/db.js';
import { stopService } from '../support/process.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { childAppWithIdm, type ChildService, logsOf, startChild } from './child.js';
import { startSmtp, type TestSmtp } from './smtp.js';
import { api, seedNewUsers } from './support.js';

/** Polls the child's job until `done(job)` holds. */
async function untilJob(service: ChildService, jobId: string,
  done: (job: { status: string; notifiedAt: string | null }) => boolean) {
  for (let i = 0; i < 600; i += 1) {
    const job = (await api(service).get(`/import-jobs/${jobId}`).expect(200)).body;
    if (done(job)) return job;
    await sleep(50);
  }
  throw new Error('the job never reached the expected state');
}

describe('a crash after the SMTP server took the notice, before it was noted', () => {
  const root = mkdtempSync(join(tmpdir(), 'idp-notice-'));
  const env = { DATA_DIR: join(root, 'data'), CERTS_DIR: join(root, 'certs'),
    IMPORT_LEASE_SECONDS: '2' };
  let sp: ScimSp;
  let smtp: TestSmtp;
  let service: ChildService;

  before(async () => {
    sp = await startScimSp();
    // The first message kills the sender once its data has arrived, before the server
    // answers: the mail is in the server's hands, the service never learns it.
    smtp = await startSmtp(0, (_message, accept) => {
      if (smtp.received.length === 1) service.process.child.kill('SIGKILL');
      else accept();
    });
  });
  after(async () => {
    if (service) await stopService(service.process);
    await smtp.stop();
    await sp.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('sends it again after the restart under the same Message-ID', async () => {
    service = await startChild({ ...env, SMTP_URL: smtp.url });
    const { apiKey } = service;
    const appId = await childAppWithIdm(service, sp);
    const names = seedNewUsers(sp, 100).map((u) => u.userName);
    const jobId = (await api(service).post(`/applications/${appId}/import`,
      { userNames: names }).expect(202)).body.job.id as string;
    assert.equal(await service.process.exited, null);

    const database = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: null });
    const stored = await getJob(database.db, jobId);
    const sending = await database.db.selectFrom('import_jobs')
      .select(['notice_sending_at', 'notice_message_id']).where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    await database.close();
    assert.equal(stored.status, 'completed');
    assert.equal(stored.notifiedAt, null);
    assert.notEqual(sending.notice_sending_at, null);

    service = await startChild({ ...env, SMTP_URL: smtp.url }, apiKey);
    await untilJob(service, jobId, (j) => j.notifiedAt !== null);
    assert.equal(smtp.received.length, 2);
    const [first, second] = smtp.received;
    assert.equal(first!.messageId, `<import-${jobId}@127.0.0.1>`);
    assert.equal(second!.messageId, first!.messageId);
    assert.equal(sending.notice_message_id, first!.messageId);
    assert.equal(logsOf(service, 'import notice may have gone out before; sending it again '
      + 'with the same Message-ID').length, 1);
  });
});

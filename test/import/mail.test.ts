import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';
import { startSmtp } from './smtp.js';
import { api, appWithActiveIdm, outbox, seedNewUsers } from './support.js';

/** Polls the job until `done(job)` holds. */
async function untilJob(service: TestService, jobId: string,
  done: (job: { status: string; notifiedAt: string | null }) => boolean) {
  for (let i = 0; i < 400; i += 1) {
    const job = (await api(service).get(`/import-jobs/${jobId}`).expect(200)).body;
    if (done(job)) return job;
    await sleep(25);
  }
  throw new Error('the job never reached the expected state');
}

describe('completion notices through an SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let service: TestService;
  let sp: ScimSp;

  before(async () => {
    smtp = await startSmtp();
    service = await startTestService({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'idp@corp.example', ADMIN_EMAIL: 'it-team@corp.example' });
    sp = await startScimSp();
  });
  after(async () => {
    await service.dispose();
    await sp.stop();
    await smtp.stop();
  });

  it('sends exactly one message per completed import, never again after a restart',
    async () => {
      const appId = (await appWithActiveIdm(service, sp)).id;
      const names = seedNewUsers(sp, 100).map((u) => u.userName);
      const first = (await api(service).post(`/applications/${appId}/import`,
        { userNames: names }).expect(202)).body.job.id as string;
      await untilJob(service, first, (j) => j.notifiedAt !== null);
      // A later job's notice goes out from a fresh start: the round that sends it would
      // send the first job's notice again, were it still owed.
      service = await service.restart();
      const more = seedNewUsers(sp, 100, 'more').map((u) => u.userName);
      const second = (await api(service).post(`/applications/${appId}/import`,
        { userNames: more }).expect(202)).body.job.id as string;
      await untilJob(service, second, (j) => j.notifiedAt !== null);

      const about = (jobId: string) => smtp.received.filter((m) => m.text.includes(jobId));
      assert.equal(smtp.received.length, 2);
      assert.equal(about(first).length, 1);
      assert.equal(about(second).length, 1);
      const [message] = about(first);
      assert.equal(message!.from, 'idp@corp.example');
      assert.deepEqual(message!.to, ['it-team@corp.example']);
      assert.match(message!.text, /Created: +100/);
      assert.deepEqual(outbox(service.dataDir), []);
    });
});

describe('a notice the SMTP server could not take', () => {
  it('is sent once, after a restart, when the server is back', async () => {
    const probe = await startSmtp();
    const port = probe.port;
    await probe.stop();
    let service = await startTestService({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    const sp = await startScimSp();
    try {
      const appId = (await appWithActiveIdm(service, sp)).id;
      const names = seedNewUsers(sp, 100).map((u) => u.userName);
      const jobId = (await api(service).post(`/applications/${appId}/import`,
        { userNames: names }).expect(202)).body.job.id as string;
      const owed = await untilJob(service, jobId, (j) => j.status === 'completed');
      assert.equal(owed.notifiedAt, null);
      assert.ok(service.log.lines.some((l) => l.includes('notice not sent')
        || l.includes('import round failed')));

      const smtp = await startSmtp(port);
      try {
        service = await service.restart();
        await untilJob(service, jobId, (j) => j.notifiedAt !== null);
        assert.equal(smtp.received.length, 1);
        assert.match(smtp.received[0]!.text, /Created: +100/);
      } finally {
        await smtp.stop();
      }
    } finally {
      await service.dispose();
      await sp.stop();
    }
  });
});

describe('mail settings', () => {
  it('refuses an SMTP_URL that is not smtp and a bad sender, naming no secret', () => {
    assert.throws(() => loadConfig({ SMTP_URL: 'http://user:s3cret@mail.example',
      MAIL_FROM: 'nobody' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, ['SMTP_URL must be an smtp:// or smtps:// URL',
        'MAIL_FROM must be a mail address, got "nobody"']);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });
});

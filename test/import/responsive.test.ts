import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { ImportProgress } from '../../src/provisioning/import/worker.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { startTestService, type TestService } from '../support/service.js';
import { api, appWithActiveIdm, seedNewUsers } from './support.js';

describe('a large import on SQLite', () => {
  let service: TestService;
  let sp: ScimSp;

  before(async () => {
    service = await startTestService();
    sp = await startScimSp();
  });
  after(async () => {
    await service.dispose();
    await sp.stop();
  });

  it('leaves the service answering requests while it runs', async () => {
    const appId = (await appWithActiveIdm(service, sp)).id;
    const names = seedNewUsers(sp, 400).map((u) => u.userName);
    let done = 0;
    service.ctx.imports.worker.progress.on('progress', (p: ImportProgress) => {
      done = p.done;
    });
    const started = await api(service).post(`/applications/${appId}/import`,
      { userNames: names }).expect(202);
    await request(service.url).get('/healthz').expect(200);
    // Answered before the job reached its last user: the job let the request in.
    const doneWhenAnswered = done;
    assert.ok(doneWhenAnswered < 400, `answered only after ${doneWhenAnswered} users`);
    const job = await api(service).get(`/import-jobs/${started.body.job.id}`).expect(200);
    assert.ok(job.body.done >= doneWhenAnswered);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startTestService, type TestService } from './support/service.js';

describe('health endpoints', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.dispose());

  it('answers /healthz while the process is alive', async () => {
    const res = await request(service.url).get('/healthz').expect(200);
    assert.equal(res.body.status, 'ok');
  });

  it('answers /readyz with 200 while the database answers, 503 once it is closed', async () => {
    await request(service.url).get('/readyz').expect(200);
    await service.ctx.database.close();
    const res = await request(service.url).get('/readyz').expect(503);
    assert.equal(res.body.status, 'database unreachable');
  });
});

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { activate, type Setup, setUp, waitFor } from './support.js';

/*
 * Deactivating stops the work already running, not only the work still queued: a
 * long reconcile ends at its next request and nothing more reaches the application.
 */

const ACCOUNTS = 200;

describe('deactivation during a running sync', () => {
  let setup: Setup;
  before(async () => {
    // A server that answers one account per page makes a reconcile of many requests.
    setup = await setUp({ sp: { ignorePageSize: true, pageSize: 1 } });
    for (let i = 0; i < ACCOUNTS; i += 1) {
      setup.sp.seedUser({ userName: `existing${i}@example.org`, active: true });
    }
  });
  after(() => setup.dispose());

  const pageReads = () => setup.sp.requests.filter((r) => r.method === 'GET'
    && r.path === '/Users' && r.query.includes('startIndex')).length;

  it('stops at the next request; no operation is left and nothing more is sent',
    async () => {
      setup.sp.faults.slowNext(ACCOUNTS * 2, 5);
      await activate(setup);
      await waitFor('the reconcile to be reading pages', () => pageReads() >= 5);
      await setup.api('post', '/deactivate').expect(200);
      const sent = setup.sp.requests.length;
      assert.ok(pageReads() < ACCOUNTS, 'the reconcile was cut short');
      assert.ok(setup.sp.requests.every((r) => r.status !== 0), 'nothing left on the wire');
      const operations = await setup.service.ctx.db.selectFrom('idm_operations').selectAll()
        .where('application_id', '=', setup.appId).execute();
      assert.deepEqual(operations, []);
      // Another round of the worker, and a little time, send nothing either.
      setup.service.ctx.provisioning.worker.wake();
      await sleep(200);
      assert.equal(setup.sp.requests.length, sent);
    });

  it('activating again lets requests through and reconciles in full', async () => {
    await activate(setup);
    await waitFor('the reconcile to finish', async () => {
      const rows = await setup.service.ctx.db.selectFrom('idm_operations').select('id')
        .where('application_id', '=', setup.appId).execute();
      return rows.length === 0;
    });
    const last = setup.sp.requests.filter((r) => r.query.includes('startIndex')).at(-1);
    assert.match(last!.query, new RegExp(`startIndex=${ACCOUNTS}&`));
  });
});

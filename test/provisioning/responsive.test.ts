import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUserPayload, desiredAttributes } from '../../src/provisioning/mappings.js';
import { PAGE_SIZE } from '../../src/provisioning/reconcile.js';
import { activate, boundGroup, makeUser, type Setup, settled, setUp, waitFor } from './support.js';

/*
 * A large sync shares the event loop with every request the service serves. The
 * application here already holds all 2,000 accounts as the directory has them, so the
 * sync's 2,000 user operations send nothing: they are database work only, the kind
 * that holds the event loop unless the worker yields between its batches.
 */

const USERS = 2_000;
// Asana's caps: 65 operations may run at once, the most the worker starts.
const QUOTA = { requestsPerMinute: 60_000, concurrentReads: 50, concurrentWrites: 15 };

describe('the service stays responsive during a large sync', () => {
  let setup: Setup;
  before(async () => {
    setup = await setUp({ quota: QUOTA });
    const group = await boundGroup(setup);
    for (let i = 0; i < USERS; i += 1) {
      const user = await makeUser(setup, [group]);
      setup.sp.seedUser(createUserPayload(desiredAttributes(user, [])) as
        Parameters<typeof setup.sp.seedUser>[0]);
    }
  });
  after(() => setup.dispose());

  const operationsOf = async (kind: 'user' | 'reconcile') => Number((await setup.service.ctx
    .db.selectFrom('idm_operations').select((eb) => eb.fn.countAll().as('n'))
    .where('application_id', '=', setup.appId).where('kind', '=', kind)
    .executeTakeFirstOrThrow()).n);

  it('answers an API request while the 2,000 user operations of a sync run', async () => {
    await activate(setup);
    // The read phase is over once the reconcile has queued every user and gone.
    await waitFor('the reconcile to finish reading', async () =>
      await operationsOf('reconcile') === 0 && await operationsOf('user') > 0);
    // The answer lists the operations still queued when it was made.
    const res = await setup.api('get', '/operations?status=pending').expect(200);
    const queued = res.body.items.filter((op: { kind: string }) => op.kind === 'user');
    assert.ok(queued.length > 0, 'answered before the sync finished');
    await settled(setup);
    const pages = setup.sp.requests.filter((r) => r.query.includes(`count=${PAGE_SIZE}`));
    assert.equal(pages.length, USERS / PAGE_SIZE);
    assert.equal(setup.sp.requests.filter((r) => r.method !== 'GET').length, 0,
      'nothing to send: the application already held every account');
    const provisioned = await setup.service.ctx.db.selectFrom('idm_users').select('user_id')
      .where('application_id', '=', setup.appId).where('state', '=', 'provisioned').execute();
    assert.equal(provisioned.length, USERS);
  });
});

import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { LimiterClosedError } from '../../src/provisioning/rate-limiter.js';
import { PAGE_SIZE } from '../../src/provisioning/reconcile.js';
import { activate, eventsOf, type Setup, settled, setUp } from './support.js';

/*
 * The page reads of a reconcile are calls like any other: each is an event, and each
 * counts against the application's quota, in this run of the service and the next.
 */

const ACCOUNTS = 18;
const PAGE = 2;
const PAGES = ACCOUNTS / PAGE;
// The activation check and the page reads use the whole quota of the minute.
const QUOTA = { requestsPerMinute: PAGES + 1, concurrentReads: 2, concurrentWrites: 2 };

describe('reconcile page reads', () => {
  let setup: Setup;
  before(async () => {
    setup = await setUp({ sp: { ignorePageSize: true, pageSize: PAGE }, quota: QUOTA });
    for (let i = 0; i < ACCOUNTS; i += 1) {
      setup.sp.seedUser({ userName: `existing${i}@example.org`, active: true });
    }
    await activate(setup);
    await settled(setup);
  });
  after(() => setup.dispose());

  const pageReads = () => setup.sp.requests.filter((r) => r.method === 'GET'
    && r.path === '/Users' && r.query.includes(`count=${PAGE_SIZE}`));

  it('records each page read as an event with what the page returned', async () => {
    assert.equal(pageReads().length, PAGES);
    const events = (await eventsOf(setup, 'user_lookup_provision'))
      .map((e) => ({ ...e, details: JSON.parse(e.details) })).filter((e) => e.details.page);
    assert.deepEqual(events.map((e) => e.details.page.startIndex),
      Array.from({ length: PAGES }, (_, i) => 1 + i * PAGE));
    assert.ok(events.every((e) => e.outcome === 'success' && e.details.status === 200
      && e.details.page.returned === PAGE && e.resource_type === 'application'));
  });

  it('a restart counts the page reads against the quota of their minute', async () => {
    setup.service = await setup.service.restart();
    const limiter = setup.service.ctx.provisioning.limiters.get(setup.appId, QUOTA);
    let sent = false;
    const probe = limiter.run('read', async () => {
      sent = true;
    });
    // A request the quota allows starts within a turn of the event loop; this one waits.
    await nextTurn();
    await nextTurn();
    limiter.close();
    await assert.rejects(probe, LimiterClosedError);
    assert.equal(sent, false, 'the minute\'s quota was already used');
  });
});

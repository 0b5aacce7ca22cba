import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventsOf, type Setup, setUp } from './support.js';

/*
 * Every refused action on an integration is in the event log under the action's own
 * event type, with outcome failure and the code the administrator was given.
 */

describe('refused integration actions are recorded as failures', () => {
  let setup: Setup;
  before(async () => {
    setup = await setUp();
  });
  after(() => setup.dispose());

  async function lastEvent(type: string) {
    const event = (await eventsOf(setup, type)).at(-1);
    assert.ok(event, `an ${type} event`);
    return { outcome: event.outcome, details: JSON.parse(event.details) };
  }

  it('deactivating an integration that is not active', async () => {
    const res = await setup.api('post', '/deactivate').expect(409);
    assert.equal(res.body.error.code, 'not_active');
    const event = await lastEvent('idm_integration_delete');
    assert.equal(event.outcome, 'failure');
    assert.equal(event.details.code, 'not_active');
  });

  it('a base URL that is not https', async () => {
    const res = await setup.api('put', '', { baseUrl: 'http://scim.example.com/scim' })
      .expect(400);
    const event = await lastEvent('idm_integration_update');
    assert.equal(event.outcome, 'failure');
    assert.equal(event.details.code, 'invalid_request');
    assert.equal(event.details.message, res.body.error.message);
  });

  it('an unknown rate profile', async () => {
    await setup.api('put', '', { rateProfile: 'gold' }).expect(400);
    const event = await lastEvent('idm_integration_update');
    assert.equal(event.outcome, 'failure');
    assert.match(event.details.message, /Unknown rate profile "gold"/);
  });

  it('removing a required attribute mapping', async () => {
    await setup.api('put', '/attribute-mappings', { excluded: ['userName'] }).expect(400);
    const event = await lastEvent('idm_integration_update');
    assert.equal(event.outcome, 'failure');
    assert.match(event.details.message, /Required mappings cannot be removed: userName/);
  });

  it('activating with a base URL nothing answers at', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await setup.api('put', '', { baseUrl: `http://127.0.0.1:${port}/scim` }).expect(200);
    await setup.api('post', '/activate').expect(422);
    const event = await lastEvent('idm_integration_activate');
    assert.equal(event.outcome, 'failure');
    assert.equal(event.details.code, 'scim_unreachable');
  });

  it('activating twice, and changing the token while active', async () => {
    await setup.api('put', '', { baseUrl: setup.sp.baseUrl }).expect(200);
    await setup.api('post', '/activate').expect(200);
    assert.equal((await lastEvent('idm_integration_activate')).outcome, 'success');
    const twice = await setup.api('post', '/activate').expect(409);
    assert.equal(twice.body.error.code, 'already_active');
    const event = await lastEvent('idm_integration_activate');
    assert.equal(event.outcome, 'failure');
    assert.equal(event.details.code, 'already_active');
    await setup.api('put', '', { token: 'another-token-5678' }).expect(409);
    const reauth = await lastEvent('idm_integration_reauth');
    assert.equal(reauth.outcome, 'failure');
    assert.equal(reauth.details.code, 'token_change_requires_deactivation');
  });
});

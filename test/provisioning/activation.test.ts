import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createPlainServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import forge from 'node-forge';
import { eventsOf, type Setup, setUp } from './support.js';

/** A self-signed certificate no client trusts, for a TLS failure. */
function untrustedCertificate(): { key: string; cert: string } {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  const subject = [{ name: 'commonName', value: '127.0.0.1' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(keys.privateKey), cert: forge.pki.certificateToPem(cert) };
}

describe('activation says precisely what failed', () => {
  let setup: Setup;
  let tlsServer: Server;
  before(async () => {
    setup = await setUp();
    tlsServer = createServer(untrustedCertificate(), (_req, res) => res.end('{}'));
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
  });
  after(async () => {
    tlsServer.close();
    await setup.dispose();
  });

  async function activationFails(config: Record<string, unknown>, code: string,
    message: RegExp): Promise<void> {
    await setup.api('put', '', config).expect(200);
    const res = await setup.api('post', '/activate').expect(422);
    assert.equal(res.body.error.code, code);
    assert.match(res.body.error.message, message);
    const view = await setup.api('get', '').expect(200);
    assert.equal(view.body.status, 'inactive');
    const event = (await eventsOf(setup, 'idm_integration_activate')).at(-1);
    assert.equal(event?.outcome, 'failure');
    assert.equal(JSON.parse(event!.details).code, code);
  }

  it('a bad token: the application refused it (401)', async () => {
    await activationFails({ baseUrl: setup.sp.baseUrl, token: 'not-the-right-token' },
      'scim_unauthorized', /refused the API token \(HTTP 401/);
  });

  it('an unreachable host', async () => {
    const closed = createPlainServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await activationFails({ baseUrl: `http://127.0.0.1:${port}/scim`, token: setup.sp.token },
      'scim_unreachable', /Cannot reach 127\.0\.0\.1:\d+.*ECONNREFUSED/);
  });

  it('a TLS failure (certificate not trusted)', async () => {
    const { port } = tlsServer.address() as AddressInfo;
    await activationFails({ baseUrl: `https://127.0.0.1:${port}/scim`, token: setup.sp.token },
      'scim_tls', /TLS connection to 127\.0\.0\.1:\d+ failed/);
  });

  it('a URL that is not a SCIM endpoint', async () => {
    await activationFails({ baseUrl: `${setup.service.url}/not-scim`, token: setup.sp.token },
      'scim_not_scim', /not a SCIM 2\.0 endpoint/);
  });

  it('refuses a plain-http base URL on another host, changing nothing', async () => {
    const res = await setup.api('put', '', { baseUrl: 'http://scim.example.com/scim' })
      .expect(400);
    assert.equal(res.body.error.code, 'invalid_request');
    const view = await setup.api('get', '').expect(200);
    assert.match(view.body.baseUrl, /^http:\/\/127\.0\.0\.1/);
  });

  it('activates once the token is right, with a success event', async () => {
    await setup.api('put', '', { baseUrl: setup.sp.baseUrl, token: setup.sp.token })
      .expect(200);
    const res = await setup.api('post', '/activate').expect(200);
    assert.equal(res.body.status, 'active');
    assert.equal((await eventsOf(setup, 'idm_integration_activate')).at(-1)?.outcome,
      'success');
  });
});

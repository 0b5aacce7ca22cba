import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateCertificate } from '../../src/certs/generate.js';
import { startTestSp, type TestSp } from '../support/sp.js';
import {
  type AppFixture, browser, type IdpFixture, makeApp, pathOf, postToAcs, readPostForm,
  startIdp, visit,
} from './helpers.js';

describe('signed AuthnRequests from node-saml, required by the application', () => {
  let idp: IdpFixture;
  let sp: TestSp;
  let app: AppFixture;
  const spKeys = generateCertificate('signing SP', 30);

  before(async () => {
    idp = await startIdp();
    app = await makeApp(idp, { spEntityId: 'urn:placeholder',
      acsUrls: ['http://127.0.0.1/acs'] });
    sp = await startTestSp({ idpMetadataUrl: app.metadataUrl,
      privateKey: spKeys.privateKeyPem });
    await idp.api('put', `/applications/${app.id}/sso`).send({ spEntityId: sp.entityId,
      acsUrls: [sp.acsUrl], spCertificate: spKeys.certificatePem,
      requireSignedRequests: true }).expect(200);
  });
  after(async () => {
    await sp.stop();
    await idp.service.dispose();
  });

  it('publishes WantAuthnRequestsSigned in metadata', async () => {
    assert.match(await (await fetch(app.metadataUrl)).text(), /WantAuthnRequestsSigned="true"/);
  });

  it('verifies a signed HTTP-Redirect request', async () => {
    const start = await fetch(`${sp.loginRedirectUrl}?RelayState=signed`,
      { redirect: 'manual' });
    const location = start.headers.get('location')!;
    assert.match(location, /[?&]Signature=/);
    const res = await visit(browser(idp), pathOf(location), idp.user);
    const accepted = await postToAcs(readPostForm(res.text));
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.relayState, 'signed');
  });

  it('verifies a signed HTTP-POST request', async () => {
    const message = await sp.postSaml.getAuthorizeMessageAsync('', undefined, {});
    assert.match(Buffer.from(String(message.SAMLRequest), 'base64').toString(), /Signature/);
    const agent = browser(idp);
    const posted = await agent.post(`/saml2/${app.customValue}`).type('form')
      .send(message as Record<string, string>);
    assert.equal(posted.status, 303, posted.text);
    const res = await visit(agent, posted.headers.location!, idp.user);
    assert.equal((await postToAcs(readPostForm(res.text))).status, 200);
  });
});

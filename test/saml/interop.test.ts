import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SAML } from '@node-saml/node-saml';
import { SignedXml } from 'xml-crypto';
import { DOMParser } from '@xmldom/xmldom';
import { startTestSp, type TestSp } from '../support/sp.js';
import {
  type AppFixture, browser, type IdpFixture, makeApp, pathOf, postToAcs, readPostForm,
  responseXml, startIdp, visit,
} from './helpers.js';

const ATTRIBUTES = [
  { name: 'firstName', source: 'property', value: 'firstName' },
  { name: 'department', source: 'constant', value: 'Analytical Engines & Co' },
];

describe('sign-in accepted by node-saml, configured only from the IdP metadata', () => {
  let idp: IdpFixture;
  let sp: TestSp;
  let app: AppFixture;

  before(async () => {
    idp = await startIdp();
    const placeholder = await makeApp(idp, { spEntityId: 'urn:placeholder',
      acsUrls: ['http://127.0.0.1/acs'] }, false);
    // The SP reads its IdP settings from metadata; then the app learns the SP's URLs.
    sp = await startTestSp({ idpMetadataUrl: placeholder.metadataUrl });
    await idp.api('put', `/applications/${placeholder.id}/sso`).send({
      spEntityId: sp.entityId, acsUrls: [sp.acsUrl], attributes: ATTRIBUTES,
    }).expect(200);
    await idp.api('put', `/applications/${placeholder.id}/groups/${idp.groupId}`).expect(204);
    app = placeholder;
  });
  after(async () => {
    await sp.stop();
    await idp.service.dispose();
  });

  it('accepts IdP-initiated sign-in with the right NameID and attributes', async () => {
    const agent = browser(idp);
    const res = await visit(agent, `/saml2/${app.customValue}`, idp.user);
    assert.equal(res.status, 200);
    const form = readPostForm(res.text);
    assert.equal(form.action, sp.acsUrl);
    const accepted = await postToAcs(form);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.nameID, idp.user.email);
    assert.equal(accepted.body.attributes.firstName, 'Ada');
    assert.equal(accepted.body.attributes.department, 'Analytical Engines & Co');
    assert.equal(accepted.body.inResponseTo, null);
  });

  it('accepts SP-initiated HTTP-Redirect sign-in with InResponseTo and RelayState', async () => {
    const relayState = `r-${'x'.repeat(150)}&<>"'`;
    const start = await fetch(`${sp.loginRedirectUrl}?RelayState=${encodeURIComponent(
      relayState)}`, { redirect: 'manual' });
    const agent = browser(idp);
    const res = await visit(agent, pathOf(start.headers.get('location')!), idp.user);
    const form = readPostForm(res.text);
    assert.equal(form.RelayState, relayState);
    const accepted = await postToAcs(form);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.nameID, idp.user.email);
    assert.match(accepted.body.inResponseTo, /^_/);
    assert.equal(accepted.body.relayState, relayState);
  });

  it('accepts SP-initiated HTTP-POST sign-in', async () => {
    const message = await sp.postSaml.getAuthorizeMessageAsync('post-relay', undefined, {});
    const agent = browser(idp);
    const posted = await agent.post(`/saml2/${app.customValue}`).type('form')
      .send(message as Record<string, string>);
    assert.equal(posted.status, 303);
    const res = await visit(agent, posted.headers.location!, idp.user);
    const form = readPostForm(res.text);
    const accepted = await postToAcs(form);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.relayState, 'post-relay');
    assert.match(accepted.body.inResponseTo, /^_/);
  });

  it('uses the session: a second sign-in needs no password', async () => {
    const agent = browser(idp);
    await visit(agent, `/saml2/${app.customValue}`, idp.user);
    const again = await agent.get(`/saml2/${app.customValue}`);
    assert.equal(again.status, 200);
    assert.equal((await postToAcs(readPostForm(again.text))).status, 200);
  });

  it('answers IsPassive without a session with a NoPassive status node-saml verifies',
    async () => {
      const passiveSp = await startTestSp({ idpMetadataUrl: app.metadataUrl,
        entityId: sp.entityId, saml: { passive: true } });
      try {
        await idp.api('put', `/applications/${app.id}/sso`)
          .send({ acsUrls: [sp.acsUrl, passiveSp.acsUrl] }).expect(200);
        const start = await fetch(passiveSp.loginRedirectUrl, { redirect: 'manual' });
        const res = await browser(idp).get(pathOf(start.headers.get('location')!));
        const form = readPostForm(res.text);
        assert.equal(form.action, passiveSp.acsUrl);
        // node-saml reads Responder/NoPassive as "not signed in", once the signature holds.
        const answered = await postToAcs(form);
        assert.equal(answered.status, 200, JSON.stringify(answered.body));
        assert.equal(answered.body.nameID, undefined);
        const forged = Buffer.from(responseXml(form).replace(
          /<ds:SignatureValue>[A-Za-z0-9+/]{8}/, '<ds:SignatureValue>AAAAAAAA'))
          .toString('base64');
        const refused = await postToAcs({ ...form, SAMLResponse: forged });
        assert.equal(refused.status, 401);
        assert.match(refused.body.error, /Invalid signature: NoPassive/);
      } finally {
        await passiveSp.stop();
        await idp.api('put', `/applications/${app.id}/sso`).send({ acsUrls: [sp.acsUrl] })
          .expect(200);
      }
    });

  it('signs the response too when asked; accepted, and xml-crypto verifies both',
    async () => {
    await idp.api('put', `/applications/${app.id}/sso`).send({ signResponse: true })
      .expect(200);
    const agent = browser(idp);
    const form = readPostForm((await visit(agent, `/saml2/${app.customValue}`, idp.user)).text);
    const xml = responseXml(form);
    const pem = (await idp.api('get', `/applications/${app.id}/certificate.pem`)).text;
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const signatures = Array.from(doc.getElementsByTagNameNS(
      'http://www.w3.org/2000/09/xmldsig#', 'Signature'));
    assert.equal(signatures.length, 2);
    for (const signature of signatures) {
      const verifier = new SignedXml({ publicCert: pem, getCertFromKeyInfo: () => null });
      verifier.loadSignature(signature as unknown as Node);
      assert.equal(verifier.checkSignature(xml), true);
    }
    assert.equal((await postToAcs(form)).status, 200);
    // node-saml told to insist on the response's own signature accepts it as well.
    const strict = new SAML({ ...sp.redirectSaml.options, wantAuthnResponseSigned: true });
    const { profile } = await strict.validatePostResponseAsync({
      SAMLResponse: form.SAMLResponse });
    assert.equal(profile?.nameID, idp.user.email);
    await idp.api('put', `/applications/${app.id}/sso`).send({ signResponse: false })
      .expect(200);
  });
});

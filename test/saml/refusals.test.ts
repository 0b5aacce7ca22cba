import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { generateCertificate } from '../../src/certs/generate.js';
import {
  type AppFixture, browser, eventsOf, type IdpFixture, loginToken, makeApp, makeUser, PASSWORD,
  startIdp, visit,
} from './helpers.js';
import {
  authnRequestXml, posted, redirectQuery, requestId, RSA_SHA1, RSA_SHA256, signedPostXml,
} from './requests.js';

const SP = 'https://sp.example.com/metadata';
const ACS = 'https://sp.example.com/acs';
const SIGNED_SP = 'https://signed.example.com/metadata';
const SIGNED_ACS = 'https://signed.example.com/acs';

describe('every refused request: clear status, no SAMLResponse, an event', () => {
  let idp: IdpFixture;
  let app: AppFixture;
  let signedApp: AppFixture;
  let agent: TestAgent;
  const spKeys = generateCertificate('refusal test SP', 30);
  const otherKeys = generateCertificate('someone else', 30);

  before(async () => {
    idp = await startIdp();
    app = await makeApp(idp, { spEntityId: SP, acsUrls: [ACS] });
    signedApp = await makeApp(idp, { spEntityId: SIGNED_SP, acsUrls: [SIGNED_ACS],
      spCertificate: spKeys.certificatePem, requireSignedRequests: true });
    agent = browser(idp);
    // A signed-in browser: every refusal below would otherwise have produced a response.
    const first = await visit(agent, `/saml2/${app.customValue}`, idp.user);
    assert.match(first.text, /SAMLResponse/);
  });
  after(() => idp.service.dispose());

  /** The refusal page, its code, no response, and the newest event naming the reason. */
  async function expectRefused(res: request.Response, status: number, code: string,
    eventType = 'sso_request_rejected'): Promise<void> {
    assert.equal(res.status, status, res.text);
    assert.match(res.text, new RegExp(`Reference: ${code}<`));
    assert.doesNotMatch(res.text, /SAMLResponse/);
    const [newest] = await eventsOf(idp, eventType);
    assert.equal(newest?.details.reason, code);
    assert.equal(newest?.outcome, 'failure');
  }

  const valid = (o: Partial<Parameters<typeof authnRequestXml>[0]> = {}) =>
    authnRequestXml({ issuer: SP, acsUrl: ACS, ...o });
  const redirect = (query: string, target = app) =>
    agent.get(`/saml2/${target.customValue}?${query}`);
  const post = (form: Record<string, string>, target = app) =>
    agent.post(`/saml2/${target.customValue}`).type('form').send(form);

  it('accepts the valid request these refusals are variations of', async () => {
    const res = await redirect(redirectQuery(valid()));
    assert.equal(res.status, 200);
    assert.match(res.text, /SAMLResponse/);
  });

  it('refuses an unknown application', async () => {
    await expectRefused(await agent.get('/saml2/no-such-app'), 404, 'unknown_application');
  });

  it('refuses an ACS URL that is not registered (no fallback)', async () => {
    await expectRefused(await redirect(redirectQuery(valid({
      acsUrl: 'https://evil.example.com/acs' }))), 400, 'acs_not_registered');
  });

  it('refuses a wrong Issuer', async () => {
    await expectRefused(await redirect(redirectQuery(valid({
      issuer: 'https://sp.example.com/metadata/' }))), 400, 'issuer_mismatch');
  });

  it('refuses a Destination other than this endpoint', async () => {
    await expectRefused(await redirect(redirectQuery(valid({
      destination: 'https://elsewhere.example.com/saml2/x' }))), 400, 'destination_mismatch');
  });

  it('refuses a stale IssueInstant and, with its own code, one from the future', async () => {
    const stale = await redirect(redirectQuery(valid({
      issueInstant: new Date(Date.now() - 60 * 60_000) })));
    await expectRefused(stale, 400, 'stale_request');
    assert.match(stale.text, /issued more than 10 minutes ago\. Start the sign-in again/);
    const future = await redirect(redirectQuery(valid({
      issueInstant: new Date(Date.now() + 60 * 60_000) })));
    await expectRefused(future, 400, 'request_from_future');
    assert.match(future.text, /issued more than 3 minutes ahead of this service&#39;s clock/);
  });

  it('refuses a request of another SAML version, by either binding', async () => {
    const redirected = await redirect(redirectQuery(valid({ version: '1.1' })));
    await expectRefused(redirected, 400, 'version_mismatch');
    assert.match(redirected.text, /SAML version &quot;1\.1&quot;; this service accepts SAML 2\.0/);
    await expectRefused(await post({ SAMLRequest: posted(valid({ version: '3.0' })) }), 400,
      'version_mismatch');
  });

  it('refuses a replayed request ID', async () => {
    const query = redirectQuery(valid({ id: requestId() }));
    assert.equal((await redirect(query)).status, 200);
    await expectRefused(await redirect(query), 400, 'replayed_request');
    // The event names the browser's signed-in user, though the request never got as far.
    const [event] = await eventsOf(idp, 'sso_request_rejected');
    assert.equal(event?.userId, idp.user.id);
    assert.equal(event?.applicationId, app.id);
  });

  it('refuses a missing signature where the application requires one', async () => {
    const xml = authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS });
    await expectRefused(await redirect(redirectQuery(xml), signedApp), 400,
      'signature_required');
    await expectRefused(await post({ SAMLRequest: posted(xml) }, signedApp), 400,
      'signature_required');
  });

  it('accepts a good Redirect signature and refuses a tampered one', async () => {
    const xml = () => authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS });
    const good = redirectQuery(xml(), { key: spKeys.privateKeyPem, relayState: 'r' });
    assert.equal((await redirect(good, signedApp)).status, 200);
    const tampered = redirectQuery(xml(), { key: spKeys.privateKeyPem, relayState: 'r' })
      .replace('RelayState=r', 'RelayState=s');
    await expectRefused(await redirect(tampered, signedApp), 400, 'signature_invalid');
    const wrongKey = redirectQuery(xml(), { key: otherKeys.privateKeyPem });
    await expectRefused(await redirect(wrongKey, signedApp), 400, 'signature_invalid');
  });

  it('accepts a good POST signature and refuses a tampered one', async () => {
    const signed = signedPostXml(authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS }),
      spKeys.privateKeyPem);
    const good = await post({ SAMLRequest: posted(signed) }, signedApp);
    assert.equal(good.status, 303);
    const tampered = signedPostXml(authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS }),
      spKeys.privateKeyPem).replace('ForceAuthn', 'X').replace('Version="2.0"',
      'Version="2.0" ForceAuthn="true"');
    await expectRefused(await post({ SAMLRequest: posted(tampered) }, signedApp), 400,
      'signature_invalid');
  });

  it('gives a wrapped signature no weight', async () => {
    const original = signedPostXml(authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS }),
      spKeys.privateKeyPem);
    // The attacker's own request, unsigned, carries the signed one inside Extensions.
    const inner = original.replace(/^<samlp:AuthnRequest /, '<samlp:AuthnRequest ');
    const wrapped = authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS }).replace(
      '</saml:Issuer>', '</saml:Issuer><samlp:Extensions><w:Wrap xmlns:w="urn:wrap">'
        + `${inner}</w:Wrap></samlp:Extensions>`);
    await expectRefused(await post({ SAMLRequest: posted(wrapped) }, signedApp), 400,
      'signature_invalid');
  });

  it('refuses a root signature that references a wrapped copy of a signed request',
    async () => {
      const original = signedPostXml(authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS }),
        spKeys.privateKeyPem);
      const signature = /<Signature[\s\S]*<\/Signature>/.exec(original)![0];
      // The signed request, without its signature, still digests as signed: hidden inside
      // the attacker's request, whose root now carries the signature that points at it.
      const hidden = original.replace(signature, '');
      const outer = authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS, forceAuthn: true })
        .replace('</saml:Issuer>', `</saml:Issuer>${signature}<samlp:Extensions>`
          + `<w:Wrap xmlns:w="urn:wrap">${hidden}</w:Wrap></samlp:Extensions>`);
      await expectRefused(await post({ SAMLRequest: posted(outer) }, signedApp), 400,
        'signature_invalid');
    });

  it('refuses an HTTP-POST signature made with an unknown algorithm', async () => {
    const signed = signedPostXml(authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS }),
      spKeys.privateKeyPem).replace(RSA_SHA256, 'urn:example:unknown');
    await expectRefused(await post({ SAMLRequest: posted(signed) }, signedApp), 400,
      'unsupported_signature_algorithm');
  });

  it('answers an HTTP-POST request once: its resume link cannot be used again',
    async () => {
      const first = await post({ SAMLRequest: posted(valid()) });
      assert.equal(first.status, 303);
      const resume = first.headers.location!;
      assert.match((await agent.get(resume)).text, /SAMLResponse/);
      await expectRefused(await agent.get(resume), 400, 'replayed_request');
    });

  it('answers HEAD without spending the request or signing anything', async () => {
    const query = redirectQuery(valid());
    const head = await agent.head(`/saml2/${app.customValue}?${query}`);
    assert.equal(head.status, 405);
    assert.equal(head.headers.allow, 'GET, POST');
    assert.match((await redirect(query)).text, /SAMLResponse/);
    const resume = (await post({ SAMLRequest: posted(valid()) })).headers.location!;
    assert.equal((await agent.head(resume)).status, 405);
    assert.match((await agent.get(resume)).text, /SAMLResponse/);
    await agent.head(`/saml2/${app.customValue}/metadata`).expect(200);
  });

  it('sends nothing to an ACS URL removed while the user was logging in', async () => {
    const acs2 = `${ACS}/second`;
    const waiting = await makeApp(idp, { spEntityId: `${SP}/waiting`, acsUrls: [ACS, acs2] });
    const newcomer = browser(idp);
    const start = await newcomer.get(`/saml2/${waiting.customValue}?${redirectQuery(
      authnRequestXml({ issuer: `${SP}/waiting`, acsUrl: acs2 }))}`);
    assert.equal(start.status, 303);
    const continueTo = new URL(start.headers.location!, 'http://x').searchParams
      .get('continue')!;
    await idp.api('put', `/applications/${waiting.id}/sso`).send({ acsUrls: [ACS] })
      .expect(200);
    const login = await newcomer.post('/login').type('form').send({
      username: idp.user.username, password: PASSWORD, continue: continueTo,
      _csrf: await loginToken(newcomer) });
    assert.equal(login.status, 303);
    await expectRefused(await newcomer.get(login.headers.location!), 400,
      'acs_not_registered');
  });

  it('refuses a DOCTYPE with an external entity, by either binding', async () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
      + valid().replace(`<saml:Issuer>${SP}`, '<saml:Issuer>&x;');
    await expectRefused(await redirect(redirectQuery(xxe)), 400, 'doctype_refused');
    await expectRefused(await post({ SAMLRequest: posted(xxe) }), 400, 'doctype_refused');
  });

  it('refuses entity expansion (billion laughs)', async () => {
    const lol = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">'
      + '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>' + valid().replace(SP, '&c;');
    await expectRefused(await post({ SAMLRequest: posted(lol) }), 400, 'doctype_refused');
  });

  it('refuses a deflate bomb before inflating it all', async () => {
    const bomb = deflateRawSync(Buffer.alloc(5 * 1024 * 1024, 0x20)).toString('base64');
    assert.ok(bomb.length < 12 * 1024, 'the bomb itself is small');
    await expectRefused(await redirect(`SAMLRequest=${encodeURIComponent(bomb)}`), 413,
      'request_too_large');
  });

  it('refuses a query and a body above the size limits', async () => {
    const big = 'A'.repeat(13 * 1024);
    await expectRefused(await redirect(`SAMLRequest=${big}`), 413, 'request_too_large');
    await expectRefused(await post({ SAMLRequest: 'A'.repeat(40 * 1024) }), 413,
      'request_too_large');
  });

  it('refuses garbage base64 and garbage deflate', async () => {
    await expectRefused(await redirect('SAMLRequest=%25%25not-base64%25'), 400,
      'invalid_encoding');
    const notDeflate = Buffer.from('this is not deflate data at all').toString('base64');
    await expectRefused(await redirect(`SAMLRequest=${encodeURIComponent(notDeflate)}`), 400,
      'invalid_encoding');
    await expectRefused(await post({ SAMLRequest: '!!!!' }), 400, 'invalid_encoding');
  });

  it('refuses a deflated HTTP-POST request', async () => {
    const deflatedPost = deflateRawSync(Buffer.from(valid())).toString('base64');
    await expectRefused(await post({ SAMLRequest: deflatedPost }), 400, 'invalid_encoding');
  });

  it('refuses an unknown SigAlg, and SHA-1 unless the application allows it', async () => {
    const xml = () => authnRequestXml({ issuer: SIGNED_SP, acsUrl: SIGNED_ACS });
    await expectRefused(await redirect(redirectQuery(xml(), { key: spKeys.privateKeyPem,
      sigAlg: 'urn:example:unknown' }), signedApp), 400, 'unsupported_signature_algorithm');
    const sha1 = () => redirectQuery(xml(), { key: spKeys.privateKeyPem, sigAlg: RSA_SHA1 });
    await expectRefused(await redirect(sha1(), signedApp), 400,
      'unsupported_signature_algorithm');
    await idp.api('put', `/applications/${signedApp.id}/sso`).send({ allowSha1: true })
      .expect(200);
    assert.equal((await redirect(sha1(), signedApp)).status, 200);
    await idp.api('put', `/applications/${signedApp.id}/sso`).send({ allowSha1: false })
      .expect(200);
  });

  it('refuses a RelayState above the cap', async () => {
    await expectRefused(await redirect(redirectQuery(valid(), { relayState: 'r'.repeat(1025) })),
      400, 'relay_state_too_large');
  });

  it('denies a user in no group bound to the application', async () => {
    const outsider = await makeUser(idp, 'outsider');
    const res = await visit(browser(idp), `/saml2/${app.customValue}`, outsider);
    await expectRefused(res, 403, 'access_denied', 'sso_login_denied');
    const [event] = await eventsOf(idp, 'sso_login_denied');
    assert.equal(event?.userId, outsider.id);
    assert.equal(event?.applicationId, app.id);
  });

  it('denies a suspended user who still has a session', async () => {
    const member = await makeUser(idp, 'member', [idp.groupId]);
    const memberAgent = browser(idp);
    assert.match((await visit(memberAgent, `/saml2/${app.customValue}`, member)).text,
      /SAMLResponse/);
    await idp.api('post', `/users/${member.id}/suspend`).expect(200);
    await expectRefused(await memberAgent.get(`/saml2/${app.customValue}`), 403,
      'user_suspended', 'sso_login_denied');
  });

  it('refuses every endpoint of a deactivated application, then works once reactivated',
    async () => {
      // A request checked before the switch, whose resume link is opened after it.
      const inFlight = await post({ SAMLRequest: posted(valid()) });
      assert.equal(inFlight.status, 303);
      await idp.api('post', `/applications/${app.id}/sso/deactivate`).expect(200);
      await expectRefused(await agent.get(`/saml2/${app.customValue}`), 403, 'sso_inactive',
        'sso_login_denied');
      await expectRefused(await redirect(redirectQuery(valid())), 403, 'sso_inactive',
        'sso_login_denied');
      await expectRefused(await post({ SAMLRequest: posted(valid()) }), 403, 'sso_inactive',
        'sso_login_denied');
      await expectRefused(await agent.get(inFlight.headers.location!), 403, 'sso_inactive',
        'sso_login_denied');
      await idp.api('post', `/applications/${app.id}/sso/activate`).expect(200);
      assert.match((await agent.get(`/saml2/${app.customValue}`)).text, /SAMLResponse/);
    });

  it('keeps serving after all of the above', async () => {
    await (await fetch(`${idp.service.url}/healthz`)).json();
    assert.equal((await redirect(redirectQuery(valid()))).status, 200);
  });
});

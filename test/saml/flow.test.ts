import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import {
  type AppFixture, browser, eventsOf, type IdpFixture, loginToken, makeApp, PASSWORD,
  readPostForm, responseXml, startIdp, visit,
} from './helpers.js';
import { authnRequestXml, redirectQuery } from './requests.js';

const SP = 'https://flow.example.com/metadata';
const ACS = 'https://flow.example.com/acs';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** Top-level and second-level status codes of a SAML response. */
function statusCodes(xml: string): string[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return Array.from(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:protocol',
    'StatusCode')).map((e) => e.getAttribute('Value') ?? '');
}

describe('ForceAuthn, IsPassive, NameIDPolicy, RelayState', () => {
  let idp: IdpFixture;
  let app: AppFixture;

  before(async () => {
    idp = await startIdp();
    app = await makeApp(idp, { spEntityId: SP, acsUrls: [ACS, `${ACS}/second`] });
  });
  after(() => idp.service.dispose());

  const spRequest = (o: Parameters<typeof authnRequestXml>[0] extends infer T
    ? Partial<T> : never = {}) => redirectQuery(authnRequestXml({ issuer: SP, ...o }));

  it('without an ACS URL in the request answers the registered default', async () => {
    const agent = browser(idp);
    const form = readPostForm((await visit(agent, `/saml2/${app.customValue}?${spRequest()}`,
      idp.user)).text);
    assert.equal(form.action, ACS);
    const second = readPostForm((await agent.get(`/saml2/${app.customValue}?${spRequest(
      { acsUrl: `${ACS}/second` })}`)).text);
    assert.equal(second.action, `${ACS}/second`);
  });

  it('ForceAuthn makes a signed-in user enter credentials again', async () => {
    const agent = browser(idp);
    await visit(agent, `/saml2/${app.customValue}`, idp.user);
    for (const value of ['true', '1']) {
      const xml = authnRequestXml({ issuer: SP, forceAuthn: true })
        .replace('ForceAuthn="true"', `ForceAuthn="${value}"`);
      const res = await agent.get(`/saml2/${app.customValue}?${redirectQuery(xml)}`);
      assert.equal(res.status, 303, `ForceAuthn="${value}" asks for the login page`);
      const continueTo = new URL(res.headers.location!, 'http://x').searchParams
        .get('continue')!;
      assert.match(continueTo, /^\/saml2\/.+\/continue\?k=/);
      // The old session alone does not satisfy the request: back to the login page.
      const unchanged = await agent.get(continueTo);
      assert.equal(unchanged.status, 303);
      assert.match(unchanged.headers.location!, /^\/login/);
      const again = new URL(unchanged.headers.location!, 'http://x').searchParams
        .get('continue')!;
      const token = await loginToken(agent);
      const login = await agent.post('/login').type('form')
        .send({ username: idp.user.username, password: PASSWORD, continue: again,
          _csrf: token });
      assert.equal(login.status, 303);
      const done = await agent.get(login.headers.location!);
      assert.match(done.text, /SAMLResponse/);
    }
  });

  it('IsPassive without a session answers NoPassive to the ACS, no login page', async () => {
    const res = await browser(idp).get(`/saml2/${app.customValue}?${spRequest(
      { isPassive: true })}`);
    assert.equal(res.status, 200);
    const form = readPostForm(res.text);
    assert.equal(form.action, ACS);
    const xml = responseXml(form);
    assert.deepEqual(statusCodes(xml), ['urn:oasis:names:tc:SAML:2.0:status:Responder',
      'urn:oasis:names:tc:SAML:2.0:status:NoPassive']);
    assert.doesNotMatch(xml, /<saml:Assertion/);
    const [event] = await eventsOf(idp, 'sso_request_rejected');
    assert.equal(event?.details.reason, 'no_passive');
  });

  it('IsPassive with a session signs the user in', async () => {
    const agent = browser(idp);
    await visit(agent, `/saml2/${app.customValue}`, idp.user);
    const res = await agent.get(`/saml2/${app.customValue}?${spRequest({ isPassive: true })}`);
    assert.deepEqual(statusCodes(responseXml(readPostForm(res.text))),
      ['urn:oasis:names:tc:SAML:2.0:status:Success']);
  });

  it('a NameIDPolicy format the application cannot produce gets InvalidNameIDPolicy',
    async () => {
      const agent = browser(idp);
      await visit(agent, `/saml2/${app.customValue}`, idp.user);
      const res = await agent.get(`/saml2/${app.customValue}?${spRequest(
        { nameIdFormat: PERSISTENT })}`);
      const xml = responseXml(readPostForm(res.text));
      assert.equal(statusCodes(xml)[1],
        'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy');
      assert.doesNotMatch(xml, /<saml:Assertion/);
    });

  it('returns RelayState byte for byte, above 80 bytes, through the login page', async () => {
    const relayState = `${'é'.repeat(60)} &amp; <tag> "q" ${'z'.repeat(100)}`;
    const res = await visit(browser(idp), `/saml2/${app.customValue}?${redirectQuery(
      authnRequestXml({ issuer: SP }), { relayState })}`, idp.user);
    assert.equal(readPostForm(res.text).RelayState, relayState);
  });

  it('the Signing in page\'s policy lets it load its own stylesheet and nothing more',
    async () => {
      const res = await visit(browser(idp), `/saml2/${app.customValue}`, idp.user);
      const directives = new Map(String(res.headers['content-security-policy']).split(/;\s*/)
        .map((d) => { const [name, ...values] = d.split(' '); return [name!, values]; }));
      assert.deepEqual(directives.get('style-src'), ["'self'"]);
      assert.deepEqual(directives.get('default-src'), ["'none'"]);
      assert.deepEqual(directives.get('form-action'), [new URL(ACS).origin]);
      assert.match(directives.get('script-src')?.join(' ') ?? '', /^'nonce-[^']+'$/);
      assert.match(res.text, /<link rel="stylesheet" href="\/assets\/styles\.css">/);
    });

  it('IdP-initiated sign-in adds no RelayState of its own', async () => {
    const res = await visit(browser(idp), `/saml2/${app.customValue}`, idp.user);
    assert.equal(readPostForm(res.text).RelayState, undefined);
  });

  it('records every successful sign-in with user and application', async () => {
    await visit(browser(idp), `/saml2/${app.customValue}`, idp.user);
    const [event] = await eventsOf(idp, 'sso_login_success');
    assert.equal(event?.userId, idp.user.id);
    assert.equal(event?.applicationId, app.id);
    assert.equal(event?.outcome, 'success');
  });
});

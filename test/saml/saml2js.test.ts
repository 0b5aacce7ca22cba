import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import saml2 from 'saml2-js';
import { generateCertificate } from '../../src/certs/generate.js';
import { readIdpMetadata } from '../support/sp.js';
import {
  type AppFixture, browser, type IdpFixture, makeApp, pathOf, readPostForm, startIdp, visit,
} from './helpers.js';

const SP_ENTITY = 'https://saml2js.sp.test/metadata';
const SP_ACS = 'https://saml2js.sp.test/acs';

type Saml2Sp = InstanceType<typeof saml2.ServiceProvider>;
type Saml2Idp = InstanceType<typeof saml2.IdentityProvider>;

/** saml2-js's own check of a posted response; resolves with what it read. */
function assertWithSaml2js(sp: Saml2Sp, idp: Saml2Idp, samlResponse: string):
  Promise<{ name_id: string; attributes: Record<string, string[]>; in_response_to?: string }> {
  return new Promise((resolve, reject) => {
    sp.post_assert(idp, { request_body: { SAMLResponse: samlResponse } }, (error, response) => {
      if (error) reject(error);
      else resolve(response.user as { name_id: string; attributes: Record<string, string[]> });
    });
  });
}

function loginUrl(sp: Saml2Sp, idp: Saml2Idp, relayState: string): Promise<{ url: string;
  id: string }> {
  return new Promise((resolve, reject) => {
    sp.create_login_request_url(idp, { relay_state: relayState }, (error, url, id) =>
      (error ? reject(error) : resolve({ url, id })));
  });
}

describe('sign-in accepted by saml2-js, configured only from the IdP metadata', () => {
  let idp: IdpFixture;
  let app: AppFixture;
  let sp: Saml2Sp;
  let idpForSp: Saml2Idp;

  before(async () => {
    idp = await startIdp();
    app = await makeApp(idp, { spEntityId: SP_ENTITY, acsUrls: [SP_ACS],
      attributes: [{ name: 'email', source: 'property', value: 'email' }] });
    const meta = readIdpMetadata(await (await fetch(app.metadataUrl)).text());
    const spKeys = generateCertificate('saml2-js test SP', 30);
    sp = new saml2.ServiceProvider({ entity_id: SP_ENTITY, assert_endpoint: SP_ACS,
      private_key: spKeys.privateKeyPem, certificate: spKeys.certificatePem,
      allow_unencrypted_assertion: true });
    idpForSp = new saml2.IdentityProvider({ sso_login_url: meta.ssoUrl,
      sso_logout_url: meta.ssoUrl, certificates: meta.certificates });
  });
  after(() => idp.service.dispose());

  it('accepts IdP-initiated sign-in', async () => {
    const form = readPostForm((await visit(browser(idp), `/saml2/${app.customValue}`,
      idp.user)).text);
    const user = await assertWithSaml2js(sp, idpForSp, form.SAMLResponse);
    assert.equal(user.name_id, idp.user.email);
    assert.deepEqual(user.attributes.email, [idp.user.email]);
  });

  it('accepts SP-initiated HTTP-Redirect sign-in and answers its request ID', async () => {
    const { url, id } = await loginUrl(sp, idpForSp, 'saml2js-relay');
    const form = readPostForm((await visit(browser(idp), pathOf(url), idp.user)).text);
    assert.equal(form.RelayState, 'saml2js-relay');
    const user = await assertWithSaml2js(sp, idpForSp, form.SAMLResponse);
    assert.equal(user.name_id, idp.user.email);
    assert.ok(Buffer.from(form.SAMLResponse, 'base64').toString().includes(
      `InResponseTo="${id}"`));
  });

  it('accepts SP-initiated HTTP-POST sign-in', async () => {
    // saml2-js always signs and puts the Signature after NameIDPolicy, where the SAML
    // schema does not allow it: the IdP refuses that as is. With no SP certificate
    // registered the signature could not count anyway, so the SP's request goes unsigned.
    const signed: string = (sp as any).create_authn_request_xml(idpForSp, {});
    const refused = await browser(idp).post(`/saml2/${app.customValue}`).type('form')
      .send({ SAMLRequest: Buffer.from(signed).toString('base64') });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /schema_invalid/);
    const xml = signed.replace(/<Signature [\s\S]*<\/Signature>/, '');
    const agent = browser(idp);
    const posted = await agent.post(`/saml2/${app.customValue}`).type('form')
      .send({ SAMLRequest: Buffer.from(xml).toString('base64') });
    assert.equal(posted.status, 303, posted.text);
    const form = readPostForm((await visit(agent, posted.headers.location!, idp.user)).text);
    const user = await assertWithSaml2js(sp, idpForSp, form.SAMLResponse);
    assert.equal(user.name_id, idp.user.email);
  });

  it('accepts a response that is signed as well as its assertion', async () => {
    await idp.api('put', `/applications/${app.id}/sso`).send({ signResponse: true })
      .expect(200);
    const form = readPostForm((await visit(browser(idp), `/saml2/${app.customValue}`,
      idp.user)).text);
    assert.equal((await assertWithSaml2js(sp, idpForSp, form.SAMLResponse)).name_id,
      idp.user.email);
    await idp.api('put', `/applications/${app.id}/sso`).send({ signResponse: false })
      .expect(200);
  });

  it('refuses a response whose assertion was altered after signing', async () => {
    const form = readPostForm((await visit(browser(idp), `/saml2/${app.customValue}`,
      idp.user)).text);
    const altered = Buffer.from(Buffer.from(form.SAMLResponse, 'base64').toString('utf8')
      .replace(`>${idp.user.email}<`, '>mallory@example.com<')).toString('base64');
    await assert.rejects(assertWithSaml2js(sp, idpForSp, altered));
  });
});

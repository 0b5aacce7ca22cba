import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as validator from '@authenio/samlify-xmllint-wasm';
import * as samlify from 'samlify';
import { generateCertificate } from '../../src/certs/generate.js';
import {
  type AppFixture, browser, type IdpFixture, makeApp, pathOf, type PostedForm, readPostForm,
  startIdp, visit,
} from './helpers.js';

const SP_ENTITY = 'https://samlify.sp.test/metadata';
const SP_ACS = 'https://samlify.sp.test/acs';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
/** A constant attribute needing every escape of the canonical form the builder writes. */
const MOTTO = 'a&b <c> "d" \'e\' ]]> é😀';

type Sp = ReturnType<typeof samlify.ServiceProvider>;
type Idp = ReturnType<typeof samlify.IdentityProvider>;

interface Extracted {
  nameID: string;
  audience: string;
  attributes: Record<string, string>;
  response: { inResponseTo?: string; destination: string };
}

/** samlify's own check of a posted response: signature, issuer, time; then what it read. */
async function parseWithSamlify(sp: Sp, idp: Idp, form: PostedForm): Promise<Extracted> {
  const { extract } = await sp.parseLoginResponse(idp, 'post', {
    body: { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState } });
  return extract as unknown as Extracted;
}

describe('sign-in accepted by samlify as the SP, configured only from the IdP metadata', () => {
  let idp: IdpFixture;
  let app: AppFixture;
  let sp: Sp;
  let idpForSp: Idp;

  before(async () => {
    // samlify's published validator, not the service's: an independent schema check.
    samlify.setSchemaValidator(validator);
    idp = await startIdp();
    app = await makeApp(idp, { spEntityId: SP_ENTITY, acsUrls: [SP_ACS],
      attributes: [{ name: 'firstName', source: 'property', value: 'firstName' },
        { name: 'motto', source: 'constant', value: MOTTO }] });
    idpForSp = samlify.IdentityProvider({
      metadata: await (await fetch(app.metadataUrl)).text() });
    sp = samlify.ServiceProvider({ entityID: SP_ENTITY, nameIDFormat: [EMAIL_FORMAT],
      wantAssertionsSigned: true, authnRequestsSigned: false,
      assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post,
        Location: SP_ACS }] });
  });
  after(() => idp.service.dispose());

  it('accepts IdP-initiated sign-in with the right NameID, audience and attributes',
    async () => {
      const form = readPostForm((await visit(browser(idp), `/saml2/${app.customValue}`,
        idp.user)).text);
      const extract = await parseWithSamlify(sp, idpForSp, form);
      assert.equal(extract.nameID, idp.user.email);
      assert.equal(extract.audience, SP_ENTITY);
      assert.equal(extract.attributes.firstName, 'Ada');
      assert.equal(extract.attributes.motto, MOTTO);
      assert.equal(extract.response.destination, SP_ACS);
      assert.equal(extract.response.inResponseTo, undefined);
    });

  it('accepts SP-initiated HTTP-Redirect sign-in and answers its request ID', async () => {
    const { id, context } = sp.createLoginRequest(idpForSp, 'redirect', {
      relayState: 'samlify-relay' });
    const form = readPostForm((await visit(browser(idp), pathOf(context), idp.user)).text);
    assert.equal(form.RelayState, 'samlify-relay');
    const extract = await parseWithSamlify(sp, idpForSp, form);
    assert.equal(extract.response.inResponseTo, id);
    assert.equal(extract.nameID, idp.user.email);
  });

  it('accepts SP-initiated HTTP-POST sign-in and answers its request ID', async () => {
    const request = sp.createLoginRequest(idpForSp, 'post') as unknown as {
      id: string; context: string; entityEndpoint: string };
    const agent = browser(idp);
    const posted = await agent.post(pathOf(request.entityEndpoint)).type('form')
      .send({ SAMLRequest: request.context });
    assert.equal(posted.status, 303, posted.text);
    const form = readPostForm((await visit(agent, posted.headers.location!, idp.user)).text);
    const extract = await parseWithSamlify(sp, idpForSp, form);
    assert.equal(extract.response.inResponseTo, request.id);
  });

  it('accepts a response that is signed as well as its assertion', async () => {
    await idp.api('put', `/applications/${app.id}/sso`).send({ signResponse: true })
      .expect(200);
    const form = readPostForm((await visit(browser(idp), `/saml2/${app.customValue}`,
      idp.user)).text);
    assert.equal((await parseWithSamlify(sp, idpForSp, form)).nameID, idp.user.email);
    await idp.api('put', `/applications/${app.id}/sso`).send({ signResponse: false })
      .expect(200);
  });

  it('reads the InvalidNameIDPolicy status a NameID format it cannot get is answered with',
    async () => {
      const persistentSp = samlify.ServiceProvider({ entityID: SP_ENTITY,
        nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
        assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post,
          Location: SP_ACS }] });
      const { context } = persistentSp.createLoginRequest(idpForSp, 'redirect');
      const form = readPostForm((await visit(browser(idp), pathOf(context), idp.user)).text);
      await assert.rejects(parseWithSamlify(persistentSp, idpForSp, form),
        /status:Requester, second tier code: urn:oasis:names:tc:SAML:2\.0:status:InvalidNameIDP/);
    });

  it('refuses a response whose assertion was altered after signing', async () => {
    const form = readPostForm((await visit(browser(idp), `/saml2/${app.customValue}`,
      idp.user)).text);
    const xml = Buffer.from(form.SAMLResponse, 'base64').toString('utf8')
      .replace(idp.user.email, 'mallory@example.com');
    await assert.rejects(parseWithSamlify(sp, idpForSp,
      { ...form, SAMLResponse: Buffer.from(xml).toString('base64') }));
  });
});

describe('signed AuthnRequests from samlify, required by the application', () => {
  let idp: IdpFixture;
  let app: AppFixture;
  let sp: Sp;
  let idpForSp: Idp;
  const spKeys = generateCertificate('samlify signing SP', 30);

  before(async () => {
    samlify.setSchemaValidator(validator);
    idp = await startIdp();
    app = await makeApp(idp, { spEntityId: SP_ENTITY, acsUrls: [SP_ACS],
      spCertificate: spKeys.certificatePem, requireSignedRequests: true });
    idpForSp = samlify.IdentityProvider({
      metadata: await (await fetch(app.metadataUrl)).text() });
    sp = samlify.ServiceProvider({ entityID: SP_ENTITY, nameIDFormat: [EMAIL_FORMAT],
      authnRequestsSigned: true, privateKey: spKeys.privateKeyPem,
      signingCert: spKeys.certificatePem,
      assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post,
        Location: SP_ACS }] });
  });
  after(() => idp.service.dispose());

  it('verifies a signed HTTP-Redirect request over the query samlify wrote', async () => {
    const { id, context } = sp.createLoginRequest(idpForSp, 'redirect', {
      relayState: 'signed relay/state?x=1&y=2' });
    assert.match(context, /[?&]Signature=/);
    const form = readPostForm((await visit(browser(idp), pathOf(context), idp.user)).text);
    assert.equal(form.RelayState, 'signed relay/state?x=1&y=2');
    assert.equal((await parseWithSamlify(sp, idpForSp, form)).response.inResponseTo, id);
  });

  it('verifies a signed HTTP-POST request', async () => {
    const request = sp.createLoginRequest(idpForSp, 'post') as unknown as {
      id: string; context: string; entityEndpoint: string };
    assert.match(Buffer.from(request.context, 'base64').toString(), /SignatureValue/);
    const agent = browser(idp);
    const posted = await agent.post(pathOf(request.entityEndpoint)).type('form')
      .send({ SAMLRequest: request.context });
    assert.equal(posted.status, 303, posted.text);
    const form = readPostForm((await visit(agent, posted.headers.location!, idp.user)).text);
    assert.equal((await parseWithSamlify(sp, idpForSp, form)).response.inResponseTo,
      request.id);
  });
});

describe('an application imported from samlify\'s SP metadata', () => {
  let idp: IdpFixture;
  let app: AppFixture;
  let sp: Sp;
  let idpForSp: Idp;
  const first = `${SP_ACS}/first`;
  const marked = `${SP_ACS}/marked-default`;

  before(async () => {
    samlify.setSchemaValidator(validator);
    idp = await startIdp();
    // Index 0 is listed first; the default is the second endpoint, index 1.
    sp = samlify.ServiceProvider({ entityID: SP_ENTITY, nameIDFormat: [EMAIL_FORMAT],
      assertionConsumerService: [
        { Binding: samlify.Constants.namespace.binding.post, Location: first },
        { Binding: samlify.Constants.namespace.binding.post, Location: marked,
          isDefault: true }] });
    const created = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      customValue: 'samlify-imported', spMetadataXml: sp.getMetadata() }).expect(201);
    await idp.api('put', `/applications/${created.body.id}/groups/${idp.groupId}`)
      .expect(204);
    app = { id: created.body.id, customValue: created.body.customValue,
      idpUrl: created.body.idpUrl, metadataUrl: `${created.body.idpUrl}/metadata` };
    idpForSp = samlify.IdentityProvider({
      metadata: await (await fetch(app.metadataUrl)).text() });
  });
  after(() => idp.service.dispose());

  async function answeredAcs(index?: number): Promise<string> {
    const { context } = sp.createLoginRequest(idpForSp, 'redirect',
      index === undefined ? {} : { assertionConsumerServiceIndex: index });
    const form = readPostForm((await visit(browser(idp), pathOf(context), idp.user)).text);
    assert.equal((await parseWithSamlify(sp, idpForSp, form)).response.destination,
      form.action);
    return form.action;
  }

  it('answers the endpoint the request names by its metadata index', async () => {
    assert.equal(await answeredAcs(0), first);
    assert.equal(await answeredAcs(1), marked);
  });

  it('answers the endpoint marked default when the request names none', async () => {
    assert.equal(await answeredAcs(), marked);
  });
});

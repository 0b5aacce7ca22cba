import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SAML } from '@node-saml/node-saml';
import forge from 'node-forge';
import { type GeneratedCertificate, generateCertificate } from '../../src/certs/generate.js';
import { IMMUTABLE_CUSTOM_VALUE } from '../../src/applications/service.js';
import { browser, type IdpFixture, startIdp, visit } from '../saml/helpers.js';

/** SP metadata as a real SP library writes it. */
function spMetadata(entityId: string, acsUrl: string, keys: GeneratedCertificate): string {
  const sp = new SAML({ issuer: entityId, callbackUrl: acsUrl, idpCert: 'unused',
    wantAuthnResponseSigned: false, privateKey: keys.privateKeyPem, identifierFormat:
      'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' });
  return sp.generateServiceProviderMetadata(null, keys.certificatePem);
}

/** A self-signed certificate with a 1024-bit RSA key, below what signatures may rest on. */
function weakCertificatePem(): string {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 1024 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

describe('applications admin API', () => {
  let idp: IdpFixture;

  before(async () => {
    idp = await startIdp();
  });
  after(() => idp.service.dispose());

  it('searches the catalog', async () => {
    const res = await idp.api('get', '/catalog?q=asa').expect(200);
    assert.deepEqual(res.body.items.map((c: { id: string }) => c.id), ['asana']);
    assert.equal(res.body.items[0].saml.spEntityId, 'https://app.asana.com/');
    assert.deepEqual(res.body.items[0].saml.acsUrls, ['https://app.asana.com/-/saml/consume']);
    const all = await idp.api('get', '/catalog').expect(200);
    assert.ok(all.body.items.length >= 2);
  });

  it('creates Asana with the connector defaults, a unique IdP URL and a certificate',
    async () => {
      const first = await idp.api('post', '/applications').send({ connector: 'asana' })
        .expect(201);
      assert.equal(first.body.customValue, 'asana');
      assert.equal(first.body.idpUrl, `${idp.service.url}/saml2/asana`);
      const sso = await idp.api('get', `/applications/${first.body.id}/sso`).expect(200);
      assert.equal(sso.body.spEntityId, 'https://app.asana.com/');
      assert.equal(sso.body.defaultAcsUrl, 'https://app.asana.com/-/saml/consume');
      assert.equal(sso.body.nameIdFormat,
        'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      const second = await idp.api('post', '/applications').send({ connector: 'asana',
        label: 'Asana sandbox' }).expect(201);
      assert.equal(second.body.customValue, 'asana-2');
      await idp.api('get', `/applications/${second.body.id}/certificate.pem`).expect(200);
    });

  it('refuses to change the custom IdP URL value, and changes nothing', async () => {
    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      customValue: 'fixed-value', label: 'Fixed' }).expect(201);
    const res = await idp.api('patch', `/applications/${app.body.id}`)
      .send({ customValue: 'other-value', label: 'Renamed' }).expect(409);
    assert.equal(res.body.error.code, 'custom_value_immutable');
    assert.equal(res.body.error.message, IMMUTABLE_CUSTOM_VALUE);
    const after_ = await idp.api('get', `/applications/${app.body.id}`).expect(200);
    assert.equal(after_.body.customValue, 'fixed-value');
    assert.equal(after_.body.label, 'Fixed');
    await idp.api('patch', `/applications/${app.body.id}`).send({ customValue: 'fixed-value',
      label: 'Renamed' }).expect(200);
  });

  it('imports SAML settings from SP metadata XML', async () => {
    const spKeys = generateCertificate('metadata SP', 30);
    const xml = spMetadata('https://imported.example.com/sp', 'https://imported.example.com/acs',
      spKeys);
    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Imported', spMetadataXml: xml }).expect(201);
    const sso = await idp.api('get', `/applications/${app.body.id}/sso`).expect(200);
    assert.equal(sso.body.spEntityId, 'https://imported.example.com/sp');
    assert.deepEqual(sso.body.acsUrls, ['https://imported.example.com/acs']);
    assert.equal(sso.body.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    assert.match(sso.body.spCertificate, /BEGIN CERTIFICATE/);
    assert.equal(sso.body.requireSignedRequests, true);
  });

  it('refuses bad input with field details and creates nothing', async () => {
    const before_ = (await idp.api('get', '/applications').expect(200)).body.items.length;
    const bad = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      saml: { acsUrls: ['javascript:alert(1)'] } }).expect(400);
    assert.ok(bad.body.error.details.fields['saml.acsUrls.0']);
    const inconsistent = await idp.api('post', '/applications').send({
      connector: 'custom-saml', saml: { spEntityId: 'x', acsUrls: ['https://a.example/acs'],
        defaultAcsUrl: 'https://b.example/acs' } }).expect(400);
    assert.ok(inconsistent.body.error.details.fields.defaultAcsUrl);
    const twice = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      saml: { spEntityId: 'x', acsUrls: ['https://a.example/acs', 'https://a.example/acs'] } })
      .expect(400);
    assert.equal(twice.body.error.details.fields['saml.acsUrls'], 'lists the same URL twice');
    await idp.api('post', '/applications').send({ connector: 'custom-saml',
      spMetadataXml: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' })
      .expect(400);
    await idp.api('post', '/applications').send({ connector: 'nope' }).expect(400);
    const after_ = (await idp.api('get', '/applications').expect(200)).body.items.length;
    assert.equal(after_, before_);
  });

  it('takes a logo only when its bytes are the image type its URL names', async () => {
    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Logo' }).expect(201);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>');
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1');
    for (const [type, bytes] of [['png', svg], ['png', gif], ['gif', png]] as const) {
      const res = await idp.api('patch', `/applications/${app.body.id}`)
        .send({ portalLogo: `data:image/${type};base64,${bytes.toString('base64')}` })
        .expect(400);
      assert.equal(res.body.error.code, 'invalid_request');
      assert.match(res.body.error.details.fields.portalLogo, /type the URL names/);
      const stored = await idp.api('get', `/applications/${app.body.id}`).expect(200);
      assert.equal(stored.body.portalLogo, null, 'nothing changed');
    }
    const good = `data:image/png;base64,${png.toString('base64')}`;
    const res = await idp.api('patch', `/applications/${app.body.id}`)
      .send({ portalLogo: good }).expect(200);
    assert.equal(res.body.portalLogo, good);
  });

  it('holds ACS URLs read from SP metadata to the rules of typed ones', async () => {
    const spKeys = generateCertificate('metadata SP', 30);
    const before_ = (await idp.api('get', '/applications').expect(200)).body.items.length;
    for (const acs of ['javascript:alert(1)', 'http://sp.example.com/acs']) {
      const xml = spMetadata('https://refused.example.com/sp', acs, spKeys);
      const created = await idp.api('post', '/applications').send({
        connector: 'custom-saml', spMetadataXml: xml }).expect(400);
      assert.match(created.body.error.message, /ACS URL .* is refused/);
      assert.ok(created.body.error.details.fields.spMetadataXml);
    }
    assert.equal((await idp.api('get', '/applications').expect(200)).body.items.length,
      before_);

    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Kept', saml: { spEntityId: 'https://kept.example.com/sp',
        acsUrls: ['https://kept.example.com/acs'] } }).expect(201);
    const xml = spMetadata('https://other.example.com/sp', 'javascript:alert(1)', spKeys);
    await idp.api('put', `/applications/${app.body.id}/sso`).send({ spMetadataXml: xml })
      .expect(400);
    const sso = await idp.api('get', `/applications/${app.body.id}/sso`).expect(200);
    assert.equal(sso.body.spEntityId, 'https://kept.example.com/sp');
    assert.deepEqual(sso.body.acsUrls, ['https://kept.example.com/acs']);
  });

  it('binds groups from the application side and from the group side', async () => {
    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Bound', saml: { spEntityId: 'https://b.example.com',
        acsUrls: ['https://b.example.com/acs'] } }).expect(201);
    await idp.api('put', `/groups/${idp.groupId}/applications/${app.body.id}`).expect(204);
    const fromApp = await idp.api('get', `/applications/${app.body.id}/groups`).expect(200);
    assert.deepEqual(fromApp.body.items.map((g: { id: string }) => g.id), [idp.groupId]);
    const fromGroup = await idp.api('get', `/groups/${idp.groupId}/applications`).expect(200);
    assert.ok(fromGroup.body.items.some((a: { id: string }) => a.id === app.body.id));
    await idp.api('delete', `/applications/${app.body.id}/groups/${idp.groupId}`).expect(204);
    const none = await idp.api('get', `/groups/${idp.groupId}/applications`).expect(200);
    assert.ok(!none.body.items.some((a: { id: string }) => a.id === app.body.id));
    await idp.api('put', `/applications/${app.body.id}/groups/no-such-group`).expect(404);
  });

  it('lists bound applications as tiles on the user portal', async () => {
    const shown = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Tile <b>shown</b>', saml: { spEntityId: 'https://t.example.com',
        acsUrls: ['https://t.example.com/acs'] } }).expect(201);
    await idp.api('put', `/applications/${shown.body.id}/groups/${idp.groupId}`).expect(204);
    const agent = browser(idp);
    const page = await visit(agent, '/', idp.user);
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`href="/saml2/${shown.body.customValue}"`));
    assert.match(page.text, /Tile &lt;b&gt;shown&lt;\/b&gt;/);
    assert.doesNotMatch(page.text, /Asana sandbox/);
  });

  it('reports a custom application without SP entity ID or ACS URL as not configured, '
    + 'with no portal tile until it is', async () => {
    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Half done', customValue: 'half-done' }).expect(201);
    assert.equal(app.body.ssoActive, true);
    assert.equal(app.body.ssoConfigured, false);
    await idp.api('put', `/applications/${app.body.id}/groups/${idp.groupId}`).expect(204);
    const listed = await idp.api('get', '/applications?q=half-done').expect(200);
    assert.deepEqual(listed.body.items.map((a: { ssoConfigured: boolean }) => a.ssoConfigured),
      [false]);
    const sso = await idp.api('get', `/applications/${app.body.id}/sso`).expect(200);
    assert.equal(sso.body.ssoConfigured, false);
    const agent = browser(idp);
    const before_ = await visit(agent, '/', idp.user);
    assert.doesNotMatch(before_.text, /href="\/saml2\/half-done"/);

    const saved = await idp.api('put', `/applications/${app.body.id}/sso`).send({
      spEntityId: 'https://half.example.com', acsUrls: ['https://half.example.com/acs'] })
      .expect(200);
    assert.equal(saved.body.ssoConfigured, true);
    const got = await idp.api('get', `/applications/${app.body.id}`).expect(200);
    assert.equal(got.body.ssoConfigured, true);
    const after_ = await agent.get('/').expect(200);
    assert.match(after_.text, /href="\/saml2\/half-done"/);
  });

  it('changes SAML settings, refusing inconsistent ones without a change', async () => {
    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Settings', saml: { spEntityId: 'https://s.example.com',
        acsUrls: ['https://s.example.com/acs'] } }).expect(201);
    const changed = await idp.api('put', `/applications/${app.body.id}/sso`).send({
      acsUrls: ['https://s.example.com/acs', 'https://s.example.com/acs2'],
      defaultAcsUrl: 'https://s.example.com/acs2', signResponse: true,
      attributes: [{ name: 'mail', source: 'property', value: 'email' }] }).expect(200);
    assert.equal(changed.body.defaultAcsUrl, 'https://s.example.com/acs2');
    assert.equal(changed.body.signResponse, true);
    const refused = await idp.api('put', `/applications/${app.body.id}/sso`)
      .send({ requireSignedRequests: true }).expect(400);
    assert.ok(refused.body.error.details.fields.spCertificate);
    await idp.api('put', `/applications/${app.body.id}/sso`)
      .send({ attributes: [{ name: 'x', source: 'property', value: 'passwordHash' }] })
      .expect(400);
    const after_ = await idp.api('get', `/applications/${app.body.id}/sso`).expect(200);
    assert.equal(after_.body.requireSignedRequests, false);
    assert.deepEqual(after_.body.attributes, changed.body.attributes);
  });

  it('refuses an SP certificate that cannot verify signatures, and changes nothing',
    async () => {
      const garbage = '-----BEGIN CERTIFICATE-----\nAAAABBBB\n-----END CERTIFICATE-----\n';
      const created = await idp.api('post', '/applications').send({ connector: 'custom-saml',
        customValue: 'bad-sp-certificate', saml: { spEntityId: 'https://c.example.com',
          acsUrls: ['https://c.example.com/acs'], spCertificate: garbage } }).expect(400);
      assert.equal(created.body.error.details.fields.spCertificate,
        'must be a PEM X.509 certificate');
      await idp.api('get', '/applications?q=bad-sp-certificate').expect(200)
        .then((res) => assert.equal(res.body.items.length, 0));
      const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
        saml: { spEntityId: 'https://c.example.com', acsUrls: ['https://c.example.com/acs'] } })
        .expect(201);
      const weak = await idp.api('put', `/applications/${app.body.id}/sso`)
        .send({ spCertificate: weakCertificatePem() }).expect(400);
      assert.match(weak.body.error.details.fields.spCertificate, /2048 bits/);
      const after_ = await idp.api('get', `/applications/${app.body.id}/sso`).expect(200);
      assert.equal(after_.body.spCertificate, null);
    });

  it('deactivates and activates single sign-on, each an event', async () => {
    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Toggle' }).expect(201);
    const off = await idp.api('post', `/applications/${app.body.id}/sso/deactivate`)
      .expect(200);
    assert.equal(off.body.ssoActive, false);
    const on = await idp.api('post', `/applications/${app.body.id}/sso/activate`).expect(200);
    assert.equal(on.body.ssoActive, true);
    const events = await idp.api('get',
      `/events?applicationId=${app.body.id}&type=sso_deactivate&type=sso_activate`).expect(200);
    assert.equal(events.body.events.length, 2);
  });

  it('deletes an application with its settings, keys and bindings', async () => {
    const app = await idp.api('post', '/applications').send({ connector: 'custom-saml',
      label: 'Doomed', saml: { spEntityId: 'https://d.example.com',
        acsUrls: ['https://d.example.com/acs'] } }).expect(201);
    await idp.api('put', `/applications/${app.body.id}/groups/${idp.groupId}`).expect(204);
    await idp.api('delete', `/applications/${app.body.id}`).expect(204);
    const db = idp.service.ctx.db;
    for (const table of ['saml_settings', 'signing_keys', 'app_group_bindings'] as const) {
      const rows = await db.selectFrom(table).select('application_id')
        .where('application_id', '=', app.body.id).execute();
      assert.equal(rows.length, 0, `${table} emptied`);
    }
    await idp.api('get', `/applications/${app.body.id}`).expect(404);
    assert.equal((await fetch(`${app.body.idpUrl}/metadata`)).status, 404);
  });
});

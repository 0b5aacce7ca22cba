import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import forge from 'node-forge';
import { SignedXml } from 'xml-crypto';
import { readIdpMetadata } from '../support/sp.js';
import {
  type AppFixture, browser, eventsOf, type IdpFixture, makeApp, readPostForm, responseXml,
  startIdp, visit,
} from './helpers.js';

const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';

/** True when `pem` verifies the assertion signature of `xml` (KeyInfo ignored). */
function verifiesAssertion(xml: string, pem: string): boolean {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const [signature] = Array.from(doc.getElementsByTagNameNS(NS_DS, 'Signature'));
  const verifier = new SignedXml({ publicCert: pem, getCertFromKeyInfo: () => null });
  verifier.loadSignature(signature as unknown as Node);
  try {
    return verifier.checkSignature(xml);
  } catch {
    return false;
  }
}

function pemToBase64(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

describe('application signing certificates', () => {
  let idp: IdpFixture;
  let app: AppFixture;

  before(async () => {
    idp = await startIdp({ CERT_VALIDITY_DAYS: '400' });
    app = await makeApp(idp, { spEntityId: 'https://c.example.com', acsUrls: [
      'https://c.example.com/acs'] });
  });
  after(() => idp.service.dispose());

  async function signIn(): Promise<string> {
    return responseXml(readPostForm((await visit(browser(idp), `/saml2/${app.customValue}`,
      idp.user)).text));
  }

  it('downloads certificate.pem as an attachment: RSA 2048, SHA-256, named, configured '
    + 'validity', async () => {
    const res = await idp.api('get', `/applications/${app.id}/certificate.pem`).expect(200);
    assert.equal(res.headers['content-disposition'], 'attachment; filename="certificate.pem"');
    assert.match(res.text, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----/);
    const cert = new X509Certificate(res.text);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(cert.subject, /CN=Test SP/);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.ok(Math.abs(days - 400) < 1, `validity ${days} days`);
    assert.equal(cert.verify(cert.publicKey), true, 'self-signed');
    const sha256WithRsa = '1.2.840.113549.1.1.11';
    assert.equal(forge.pki.certificateFromPem(res.text).siginfo.algorithmOid, sha256WithRsa);
    assert.doesNotMatch(res.text, /PRIVATE KEY/);
  });

  it('the downloaded certificate verifies a response and equals the one in metadata',
    async () => {
      const pem = (await idp.api('get', `/applications/${app.id}/certificate.pem`)).text;
      const meta = readIdpMetadata(await (await fetch(app.metadataUrl)).text());
      assert.deepEqual(meta.certificates, [pemToBase64(pem)]);
      assert.equal(verifiesAssertion(await signIn(), pem), true);
    });

  it('rotates: the next certificate is published first, then signs once promoted',
    async () => {
      const before_ = (await idp.api('get', `/applications/${app.id}/certificate.pem`)).text;
      const next = await idp.api('post', `/applications/${app.id}/certificates`).expect(201);
      assert.equal(next.body.status, 'next');
      assert.equal(next.body.privateKey, undefined);
      let meta = readIdpMetadata(await (await fetch(app.metadataUrl)).text());
      assert.deepEqual(meta.certificates, [pemToBase64(before_),
        pemToBase64(next.body.certificatePem)]);
      assert.equal(verifiesAssertion(await signIn(), before_), true, 'old key still signs');

      await idp.api('post', `/applications/${app.id}/certificates/${next.body.id}/promote`)
        .expect(200);
      const after_ = (await idp.api('get', `/applications/${app.id}/certificate.pem`)).text;
      assert.equal(pemToBase64(after_), pemToBase64(next.body.certificatePem));
      meta = readIdpMetadata(await (await fetch(app.metadataUrl)).text());
      assert.deepEqual(meta.certificates, [pemToBase64(after_)]);
      const xml = await signIn();
      assert.equal(verifiesAssertion(xml, after_), true);
      assert.equal(verifiesAssertion(xml, before_), false);
      await idp.api('post', `/applications/${app.id}/certificates/${next.body.id}/promote`)
        .expect(409);
    });

  it('refuses a second next certificate while one is pending, and discards the pending one',
    async () => {
      const active = (await idp.api('get', `/applications/${app.id}/certificate.pem`)).text;
      const first = await idp.api('post', `/applications/${app.id}/certificates`).expect(201);
      const second = await idp.api('post', `/applications/${app.id}/certificates`)
        .expect(409);
      assert.equal(second.body.error.code, 'next_certificate_pending');
      assert.match(second.body.error.message, new RegExp('is already published and not yet '
        + 'signing\\. Promote it or discard it before generating another\\.$'));
      let meta = readIdpMetadata(await (await fetch(app.metadataUrl)).text());
      assert.deepEqual(meta.certificates, [pemToBase64(active),
        pemToBase64(first.body.certificatePem)], 'the first next certificate stays');

      const activeId = (await idp.service.ctx.saml.certificates.active(app.id)).id;
      const refused = await idp.api('post',
        `/applications/${app.id}/certificates/${activeId}/discard`).expect(409);
      assert.equal(refused.body.error.code, 'certificate_not_next');
      await idp.api('post', `/applications/${app.id}/certificates/${first.body.id}/discard`)
        .expect(200);
      meta = readIdpMetadata(await (await fetch(app.metadataUrl)).text());
      assert.deepEqual(meta.certificates, [pemToBase64(active)]);
      assert.equal(verifiesAssertion(await signIn(), active), true, 'the active key signs');
      const events = await eventsOf(idp, 'application_certificate_discard');
      assert.equal(events[0]?.applicationId, app.id);
      assert.equal(events[0]?.details.certificateId, first.body.id);
      await idp.api('post', `/applications/${app.id}/certificates/${first.body.id}/discard`)
        .expect(404);
      const again = await idp.api('post', `/applications/${app.id}/certificates`).expect(201);
      await idp.api('post', `/applications/${app.id}/certificates/${again.body.id}/discard`)
        .expect(200);
    });

  it('keeps private keys out of API answers and logs, encrypted in the database',
    async () => {
      const list = await idp.api('get', `/applications/${app.id}/certificates`).expect(200);
      assert.doesNotMatch(JSON.stringify(list.body), /PRIVATE KEY/);
      assert.doesNotMatch(idp.service.log.text, /PRIVATE KEY/);
      const rows = await idp.service.ctx.db.selectFrom('signing_keys')
        .select('private_key_encrypted').execute();
      assert.ok(rows.length >= 2);
      for (const row of rows) assert.doesNotMatch(row.private_key_encrypted, /PRIVATE KEY/);
      assert.equal(statSync(`${idp.service.dataDir}/secrets.json`).mode & 0o077, 0);
    });
});

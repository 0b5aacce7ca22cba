import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { generateCertificate, pemBody } from '../../src/certs/generate.js';
import { buildLoginResponse } from '../../src/saml/response.js';

const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const keys = generateCertificate('response test', 30);
const key = { id: 'k', key: createPrivateKey(keys.privateKeyPem),
  certificateBase64: pemBody(keys.certificatePem) };

/** Values that need every escape the canonical form has, and characters XML cannot carry. */
const AWKWARD = 'a&b <c> "d" \'e\' \tf\r\ng ]]> é😀 \u0001';

function build(signResponse: boolean): string {
  return buildLoginResponse({
    issuer: 'https://idp.example.com/saml2/app?x=1&y=2', audience: 'urn:sp:"quoted"&amp',
    acsUrl: 'https://sp.example.com/acs?a=1&b=<2>', inResponseTo: '_req"&<',
    nameId: AWKWARD, nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
    attributes: [[AWKWARD, [AWKWARD, '']], ['plain', ['x']]],
    authnInstant: new Date().toISOString(), sessionIndex: '_s&"', signResponse,
  }, key);
}

function verifyAll(xml: string): number {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const signatures = Array.from(doc.getElementsByTagNameNS(NS_DS, 'Signature'));
  for (const signature of signatures) {
    const verifier = new SignedXml({ publicCert: keys.certificatePem,
      getCertFromKeyInfo: () => null });
    verifier.loadSignature(signature as unknown as Node);
    assert.equal(verifier.checkSignature(xml), true);
  }
  return signatures.length;
}

describe('canonical response builder', () => {
  it('signs awkward values so that an independent verifier agrees', () => {
    assert.equal(verifyAll(build(false)), 1);
    assert.equal(verifyAll(build(true)), 2);
  });

  it('carries the values unchanged, minus characters XML cannot hold', () => {
    const doc = new DOMParser().parseFromString(build(false), 'text/xml');
    const nameId = doc.getElementsByTagNameNS(NS_SAML, 'NameID')[0]!;
    assert.equal(nameId.textContent, AWKWARD.replace('\u0001', ''));
    const attribute = doc.getElementsByTagNameNS(NS_SAML, 'Attribute')[0]!;
    assert.equal(attribute.getAttribute('Name'), AWKWARD.replace('\u0001', ''));
  });

  it('changing one character of the signed assertion breaks the signature', () => {
    const xml = build(false).replace('<saml:Audience>urn:sp:', '<saml:Audience>urn:sq:');
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const verifier = new SignedXml({ publicCert: keys.certificatePem,
      getCertFromKeyInfo: () => null });
    verifier.loadSignature(doc.getElementsByTagNameNS(NS_DS, 'Signature')[0] as unknown as Node);
    let valid: boolean;
    try {
      valid = verifier.checkSignature(xml);
    } catch {
      valid = false;
    }
    assert.equal(valid, false);
  });
});

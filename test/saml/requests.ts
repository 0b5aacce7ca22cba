import { createHash, randomBytes, sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';

/*
 * AuthnRequest factories for the refusal tests: each option names the property under
 * test (wrong issuer, stale, signed or not), so fixtures stay short and readable.
 */

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

export interface RequestOptions {
  issuer: string;
  id?: string;
  acsUrl?: string | null;
  destination?: string | null;
  issueInstant?: Date;
  forceAuthn?: boolean;
  isPassive?: boolean;
  nameIdFormat?: string;
  /** The Version attribute; 2.0 unless a test says otherwise. */
  version?: string;
}

/** A fresh request ID (never reused between tests, so replay is only tested on purpose). */
export function requestId(): string {
  return `_req${randomBytes(12).toString('hex')}`;
}

/** AuthnRequest XML; `acsUrl` or `destination` null leaves the attribute out. */
export function authnRequestXml(o: RequestOptions): string {
  const attrs = [
    `ID="${o.id ?? requestId()}"`, `Version="${o.version ?? '2.0'}"`,
    `IssueInstant="${(o.issueInstant ?? new Date()).toISOString()}"`,
    o.destination ? `Destination="${o.destination}"` : '',
    o.acsUrl ? `AssertionConsumerServiceURL="${o.acsUrl}"` : '',
    o.acsUrl ? 'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"' : '',
    o.forceAuthn ? 'ForceAuthn="true"' : '',
    o.isPassive ? 'IsPassive="true"' : '',
  ].filter(Boolean).join(' ');
  const policy = o.nameIdFormat ? `<samlp:NameIDPolicy Format="${o.nameIdFormat}"/>` : '';
  return '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    + `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ${attrs}>`
    + `<saml:Issuer>${o.issuer}</saml:Issuer>${policy}</samlp:AuthnRequest>`;
}

/** HTTP-Redirect encoding: raw deflate, base64. */
export function deflated(xml: string): string {
  return deflateRawSync(Buffer.from(xml)).toString('base64');
}

/**
 * The query string of an HTTP-Redirect request, signed over the encoded octets when a
 * key is given (SAML bindings 3.4.4.1).
 */
export function redirectQuery(xml: string, opts: { relayState?: string; key?: string;
  sigAlg?: string } = {}): string {
  let query = `SAMLRequest=${encodeURIComponent(deflated(xml))}`;
  if (opts.relayState !== undefined) {
    query += `&RelayState=${encodeURIComponent(opts.relayState)}`;
  }
  if (!opts.key) return query;
  const sigAlg = opts.sigAlg ?? RSA_SHA256;
  query += `&SigAlg=${encodeURIComponent(sigAlg)}`;
  const hash = sigAlg === RSA_SHA1 ? 'sha1' : 'sha256';
  const signature = sign(hash, Buffer.from(query), opts.key).toString('base64');
  return `${query}&Signature=${encodeURIComponent(signature)}`;
}

/** An enveloped signature on the root, placed after Issuer as the schema wants. */
export function signedPostXml(xml: string, key: string, sigAlg = RSA_SHA256): string {
  const signer = new SignedXml({ privateKey: key,
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    signatureAlgorithm: sigAlg });
  signer.addReference({
    xpath: "/*[local-name(.)='AuthnRequest']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: sigAlg === RSA_SHA1 ? 'http://www.w3.org/2000/09/xmldsig#sha1'
      : 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(xml, { location: {
    reference: "/*[local-name(.)='AuthnRequest']/*[local-name(.)='Issuer']", action: 'after' } });
  return signer.getSignedXml();
}

/** base64 for the HTTP-POST binding. */
export function posted(xml: string): string {
  return Buffer.from(xml).toString('base64');
}

/** Digest of text, to tell test payloads apart in failure messages. */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

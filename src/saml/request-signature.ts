import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { refuse } from './refusal.js';

/*
 * Signatures on incoming AuthnRequests. HTTP-Redirect signs the query string (SAML
 * bindings 3.4.4.1), verified over the octets exactly as the browser sent them;
 * HTTP-POST carries an enveloped XML signature, accepted only as the single signature
 * on the root element and covering it, so a wrapped or misplaced signature is worth
 * nothing.
 */

const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const DIGEST_SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const DIGEST_SHA512 = 'http://www.w3.org/2001/04/xmlenc#sha512';
const DIGEST_SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const ALLOWED_TRANSFORMS = new Set([
  'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
]);

export interface SignaturePolicy {
  /** PEM of the SP's signing certificate, or null when none is registered. */
  spCertificate: string | null;
  requireSigned: boolean;
  allowSha1: boolean;
}

/** Signature algorithm URI to the digest node's crypto uses, honouring the SHA-1 flag. */
function hashOf(sigAlg: string, allowSha1: boolean): string {
  if (sigAlg === RSA_SHA256) return 'sha256';
  if (sigAlg === RSA_SHA512) return 'sha512';
  if (sigAlg === RSA_SHA1 && allowSha1) return 'sha1';
  // SHA-1 is broken for collisions; it is accepted only where an application allows it.
  throw refuse('unsupported_signature_algorithm',
    'The request is signed with an algorithm this application does not accept.');
}

function checkDigestAlgorithm(uri: string | null, allowSha1: boolean): void {
  if (uri === DIGEST_SHA256 || uri === DIGEST_SHA512) return;
  if (uri === DIGEST_SHA1 && allowSha1) return;
  throw refuse('unsupported_signature_algorithm',
    'The request is signed with a digest this application does not accept.');
}

const keys = new Map<string, KeyObject>();

/** The SP certificate's public key, parsed once per distinct certificate. */
function publicKeyOf(pem: string): KeyObject {
  let key = keys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    keys.set(pem, key);
  }
  return key;
}

/** The raw `name=value` pieces of a query string, refusing a repeated SAML parameter. */
export function rawQueryParams(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const piece of rawQuery.split('&')) {
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    if (params.has(name)) {
      throw refuse('duplicate_parameter', `The parameter ${name} appears more than once.`);
    }
    params.set(name, eq < 0 ? '' : piece.slice(eq + 1));
  }
  return params;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw refuse('invalid_encoding', 'The query string is not valid URL encoding.');
  }
}

/**
 * Verifies an HTTP-Redirect signature over the query string as received. Returns true
 * when a signature was verified, false when the request is unsigned and that is allowed.
 */
export function verifyRedirectSignature(rawQuery: string, policy: SignaturePolicy): boolean {
  const params = rawQueryParams(rawQuery);
  const signature = params.get('Signature');
  const sigAlg = params.get('SigAlg');
  if (signature === undefined && sigAlg === undefined) {
    if (policy.requireSigned) {
      throw refuse('signature_required', 'This application requires signed requests.');
    }
    return false;
  }
  if (signature === undefined || sigAlg === undefined) {
    throw refuse('signature_invalid', 'The request signature is incomplete.');
  }
  const hash = hashOf(decodeComponent(sigAlg), policy.allowSha1);
  if (!policy.spCertificate) return false;
  const relay = params.get('RelayState');
  const signed = `SAMLRequest=${params.get('SAMLRequest') ?? ''}`
    + (relay !== undefined ? `&RelayState=${relay}` : '') + `&SigAlg=${sigAlg}`;
  const valid = verify(hash, Buffer.from(signed, 'utf8'), publicKeyOf(policy.spCertificate),
    Buffer.from(decodeComponent(signature), 'base64'));
  if (!valid) throw refuse('signature_invalid', 'The request signature is not valid.');
  return true;
}

function childElements(parent: Element, localName: string): Element[] {
  return Array.from(parent.childNodes).filter((n): n is Element =>
    n.nodeType === 1 && (n as Element).localName === localName
    && (n as Element).namespaceURI === NS_DS);
}

/** The one signature of the document: on the root, alone, referencing the root's ID. */
function rootSignature(root: Element): Element | null {
  const all = Array.from(root.ownerDocument.getElementsByTagNameNS(NS_DS, 'Signature'));
  if (all.length === 0) return null;
  const signature = all[0]!;
  if (all.length > 1 || signature.parentNode !== root) {
    throw refuse('signature_invalid',
      'The request signature must be the only one and sit on the request itself.');
  }
  return signature;
}

/** Reference and algorithms of the signature: one reference, to the root, allowed ones. */
function checkSignatureShape(signature: Element, root: Element, allowSha1: boolean): void {
  const signedInfo = childElements(signature, 'SignedInfo')[0];
  const references = signedInfo ? childElements(signedInfo, 'Reference') : [];
  const method = signedInfo ? childElements(signedInfo, 'SignatureMethod')[0] : undefined;
  const reference = references[0];
  const rootId = root.getAttribute('ID');
  if (!signedInfo || !method || references.length !== 1 || !reference || !rootId
    || reference.getAttribute('URI') !== `#${rootId}`) {
    throw refuse('signature_invalid', 'The request signature does not cover the request.');
  }
  hashOf(method.getAttribute('Algorithm') ?? '', allowSha1);
  const digest = childElements(reference, 'DigestMethod')[0];
  checkDigestAlgorithm(digest?.getAttribute('Algorithm') ?? null, allowSha1);
  const transforms = childElements(reference, 'Transforms')[0];
  for (const t of transforms ? childElements(transforms, 'Transform') : []) {
    if (!ALLOWED_TRANSFORMS.has(t.getAttribute('Algorithm') ?? '')) {
      throw refuse('signature_invalid', 'The request signature uses a transform not allowed.');
    }
  }
}

/**
 * Verifies the enveloped signature of an HTTP-POST request. Returns the canonical XML
 * the signature covers (fields must be read from it alone), or null when the request
 * is unsigned and that is allowed.
 */
export function verifyPostSignature(xml: string, root: Element, policy: SignaturePolicy):
  string | null {
  const signature = rootSignature(root);
  if (!signature) {
    if (policy.requireSigned) {
      throw refuse('signature_required', 'This application requires signed requests.');
    }
    return null;
  }
  checkSignatureShape(signature, root, policy.allowSha1);
  if (!policy.spCertificate) return null;
  const verifier = new SignedXml({
    publicCert: policy.spCertificate,
    // Only the registered certificate counts, never one the request brings along.
    getCertFromKeyInfo: () => null,
  });
  let valid = false;
  try {
    verifier.loadSignature(signature as unknown as Node);
    valid = verifier.checkSignature(xml);
  } catch {
    valid = false;
  }
  const covered = valid ? verifier.getSignedReferences() : [];
  if (!valid || covered.length !== 1) {
    throw refuse('signature_invalid', 'The request signature is not valid.');
  }
  return covered[0]!;
}

/** SAMLRequest and RelayState of an HTTP-Redirect query, decoded, duplicates refused. */
export function redirectParams(rawQuery: string):
  { samlRequest: string | undefined; relayState: string | undefined } {
  const params = rawQueryParams(rawQuery);
  const samlRequest = params.get('SAMLRequest');
  const relayState = params.get('RelayState');
  return {
    samlRequest: samlRequest === undefined ? undefined : decodeComponent(samlRequest),
    relayState: relayState === undefined ? undefined : decodeComponent(relayState),
  };
}

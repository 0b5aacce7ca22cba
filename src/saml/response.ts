import { createHash, randomBytes, sign } from 'node:crypto';
import type { SigningKey } from '../certs/service.js';
import { attr, text, xmlSafe } from './canonical.js';

/*
 * The signed SAML Response, built as canonical text (see canonical.ts) so that signing
 * costs one SHA-256 digest per signed element and one RSA signature, with the key parsed
 * once. Peers verify it with their own XML stacks; the tests hold it to node-saml,
 * saml2-js and xml-crypto.
 */

const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
export const STATUS_REQUESTER = 'urn:oasis:names:tc:SAML:2.0:status:Requester';
export const STATUS_RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
export const STATUS_NO_PASSIVE = 'urn:oasis:names:tc:SAML:2.0:status:NoPassive';
export const STATUS_INVALID_NAMEID_POLICY =
  'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy';
export const AUTHN_PASSWORD_PROTECTED =
  'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

/** How long an assertion may be used after it is issued, in milliseconds. */
export const ASSERTION_LIFETIME_MS = 5 * 60_000;
/** Clock skew allowed to peers in NotBefore, in milliseconds. */
const NOT_BEFORE_SKEW_MS = 60_000;

export interface AssertionInput {
  issuer: string;
  audience: string;
  acsUrl: string;
  /** The AuthnRequest ID for SP-initiated sign-in; null when IdP-initiated. */
  inResponseTo: string | null;
  nameId: string;
  nameIdFormat: string;
  /** Attribute name to its values, in order. */
  attributes: [string, string[]][];
  /** When the user entered credentials (ISO-8601). */
  authnInstant: string;
  sessionIndex: string;
  signResponse: boolean;
  now?: Date;
}

/** A random XML ID: starts with a letter-like underscore, 160 random bits. */
export function newId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** ISO-8601 UTC without milliseconds, as SAML peers most widely read it. */
function instant(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function digest(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('base64');
}

/** SignedInfo for one enveloped reference; `declareNs` adds xmlns:ds as c14n would. */
function signedInfo(referenceId: string, digestValue: string, declareNs: boolean): string {
  return `<ds:SignedInfo${declareNs ? ` xmlns:ds="${NS_DS}"` : ''}>`
    + `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"></ds:CanonicalizationMethod>`
    + `<ds:SignatureMethod Algorithm="${RSA_SHA256}"></ds:SignatureMethod>`
    + `<ds:Reference URI="#${referenceId}"><ds:Transforms>`
    + `<ds:Transform Algorithm="${ENVELOPED}"></ds:Transform>`
    + `<ds:Transform Algorithm="${EXC_C14N}"></ds:Transform></ds:Transforms>`
    + `<ds:DigestMethod Algorithm="${SHA256}"></ds:DigestMethod>`
    + `<ds:DigestValue>${digestValue}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
}

/**
 * The enveloped Signature element over the canonical element `canonical` whose ID is
 * `referenceId`. Inside the document SignedInfo inherits xmlns:ds from Signature, so
 * the canonical form of the enclosing element stays equal to the text.
 */
function signatureElement(referenceId: string, canonical: string, key: SigningKey): string {
  const digestValue = digest(canonical);
  const signatureValue = sign('sha256', Buffer.from(signedInfo(referenceId, digestValue, true)),
    key.key).toString('base64');
  return `<ds:Signature xmlns:ds="${NS_DS}">${signedInfo(referenceId, digestValue, false)}`
    + `<ds:SignatureValue>${signatureValue}</ds:SignatureValue>`
    + `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificateBase64}`
    + '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>';
}

/** Inserts the signature right after the element's Issuer, where the schema puts it. */
function insertAfterIssuer(element: string, signature: string): string {
  const at = element.indexOf('</saml:Issuer>') + '</saml:Issuer>'.length;
  return element.slice(0, at) + signature + element.slice(at);
}

function issuerElement(issuer: string): string {
  return `<saml:Issuer xmlns:saml="${NS_SAML}">${text(xmlSafe(issuer))}</saml:Issuer>`;
}

function attributeStatement(attributes: [string, string[]][]): string {
  if (attributes.length === 0) return '';
  const items = attributes.map(([name, values]) =>
    `<saml:Attribute Name="${attr(xmlSafe(name))}" `
    + 'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">'
    + values.map((v) => `<saml:AttributeValue>${text(xmlSafe(v))}</saml:AttributeValue>`)
      .join('')
    + '</saml:Attribute>');
  return `<saml:AttributeStatement>${items.join('')}</saml:AttributeStatement>`;
}

/** The unsigned Assertion in canonical form (no Issuer prefix declaration needed). */
function assertionText(id: string, input: AssertionInput, issued: Date): string {
  const notBefore = instant(new Date(issued.getTime() - NOT_BEFORE_SKEW_MS));
  const notOnOrAfter = instant(new Date(issued.getTime() + ASSERTION_LIFETIME_MS));
  const inResponseTo = input.inResponseTo === null ? ''
    : ` InResponseTo="${attr(input.inResponseTo)}"`;
  return `<saml:Assertion xmlns:saml="${NS_SAML}" ID="${id}" IssueInstant="${instant(issued)}"`
    + ' Version="2.0">'
    + `<saml:Issuer>${text(xmlSafe(input.issuer))}</saml:Issuer>`
    + `<saml:Subject><saml:NameID Format="${attr(input.nameIdFormat)}">`
    + `${text(xmlSafe(input.nameId))}</saml:NameID>`
    + '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
    + `<saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${notOnOrAfter}"`
    + ` Recipient="${attr(input.acsUrl)}"></saml:SubjectConfirmationData>`
    + '</saml:SubjectConfirmation></saml:Subject>'
    + `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">`
    + `<saml:AudienceRestriction><saml:Audience>${text(xmlSafe(input.audience))}`
    + '</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
    + `<saml:AuthnStatement AuthnInstant="${instant(new Date(input.authnInstant))}"`
    + ` SessionIndex="${attr(input.sessionIndex)}">`
    + `<saml:AuthnContext><saml:AuthnContextClassRef>${AUTHN_PASSWORD_PROTECTED}`
    + '</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>'
    + attributeStatement(input.attributes)
    + '</saml:Assertion>';
}

interface ResponseFrame {
  issuer: string;
  destination: string;
  inResponseTo: string | null;
  issued: Date;
}

/** The Response element around `body` (Status and Assertion), unsigned, canonical. */
function responseText(id: string, frame: ResponseFrame, body: string): string {
  const inResponseTo = frame.inResponseTo === null ? ''
    : ` InResponseTo="${attr(frame.inResponseTo)}"`;
  return `<samlp:Response xmlns:samlp="${NS_SAMLP}" Destination="${attr(frame.destination)}"`
    + ` ID="${id}"${inResponseTo} IssueInstant="${instant(frame.issued)}" Version="2.0">`
    + issuerElement(frame.issuer) + body + '</samlp:Response>';
}

function statusElement(code: string, subCode?: string, message?: string): string {
  const inner = subCode ? `<samlp:StatusCode Value="${subCode}"></samlp:StatusCode>` : '';
  const text_ = message ? `<samlp:StatusMessage>${text(message)}</samlp:StatusMessage>` : '';
  return `<samlp:Status><samlp:StatusCode Value="${code}">${inner}</samlp:StatusCode>`
    + `${text_}</samlp:Status>`;
}

function signedResponse(id: string, frame: ResponseFrame, body: string, key: SigningKey):
  string {
  const unsigned = responseText(id, frame, body);
  return insertAfterIssuer(unsigned, signatureElement(id, unsigned, key));
}

/**
 * A successful Response carrying one signed assertion; the Response itself is signed
 * too when `input.signResponse`. Returns the XML text (not yet base64).
 */
export function buildLoginResponse(input: AssertionInput, key: SigningKey): string {
  const issued = input.now ?? new Date();
  const assertionId = newId();
  const unsigned = assertionText(assertionId, input, issued);
  const assertion = insertAfterIssuer(unsigned, signatureElement(assertionId, unsigned, key));
  const frame = { issuer: input.issuer, destination: input.acsUrl,
    inResponseTo: input.inResponseTo, issued };
  const body = statusElement(STATUS_SUCCESS) + assertion;
  return input.signResponse ? signedResponse(newId(), frame, body, key)
    : responseText(newId(), frame, body);
}

export interface StatusResponseInput {
  issuer: string;
  acsUrl: string;
  inResponseTo: string;
  /** Second-level status code, e.g. NoPassive; the top level is Requester/Responder. */
  topCode: string;
  subCode: string;
  message: string;
}

/** A signed Response with a failure status and no assertion. */
export function buildStatusResponse(input: StatusResponseInput, key: SigningKey): string {
  const frame = { issuer: input.issuer, destination: input.acsUrl,
    inResponseTo: input.inResponseTo, issued: new Date() };
  return signedResponse(newId(), frame, statusElement(input.topCode, input.subCode,
    input.message), key);
}

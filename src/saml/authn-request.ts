import { DOMParser } from '@xmldom/xmldom';
import { type Db, isUniqueViolation } from '../store/db.js';
import { BINDING_POST } from './metadata.js';
import { refuse } from './refusal.js';
import { decodePostRequest, decodeRedirectRequest } from './request-decode.js';
import {
  type SignaturePolicy, verifyPostSignature, verifyRedirectSignature,
} from './request-signature.js';
import { isSchemaValid } from './schemas.js';
import type { SamlSettings } from './settings.js';

const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';

/** How far a request's IssueInstant may be ahead of our clock, in milliseconds. */
export const CLOCK_SKEW_MS = 3 * 60_000;
/** How old a request may be, in milliseconds; its ID is remembered this long. */
export const REQUEST_MAX_AGE_MS = 10 * 60_000;

/** What the binding delivered. */
export interface IncomingRequest {
  binding: 'redirect' | 'post';
  /** SAMLRequest as decoded from the URL or form (still base64). */
  encoded: string;
  /** The query string exactly as received (HTTP-Redirect signatures cover it). */
  rawQuery: string;
}

/** A checked AuthnRequest: every field read from signed content when it is signed. */
export interface AuthnRequestInfo {
  id: string;
  issuer: string;
  issueInstant: string;
  /** The registered ACS URL the response goes to. */
  acsUrl: string;
  forceAuthn: boolean;
  isPassive: boolean;
  /** NameIDPolicy Format, when the request names one. */
  nameIdPolicyFormat: string | null;
  signed: boolean;
}

export interface RequestContext {
  db: Db;
  applicationId: string;
  settings: SamlSettings;
  /** This endpoint's public URL, e.g. https://idp.example.com/saml2/asana. */
  endpointUrl: string;
  now?: Date;
}

/** Parses XML already checked against the schema (no DTD reaches here). */
function parseXml(xml: string): Document {
  const onError = (level: string) => {
    if (level !== 'warning') throw refuse('invalid_xml', 'The SAML request is not valid XML.');
  };
  const parser = new DOMParser({ onError } as ConstructorParameters<typeof DOMParser>[0]);
  return parser.parseFromString(xml, 'text/xml') as unknown as Document;
}

function authnRequestRoot(doc: Document): Element {
  const root = doc.documentElement;
  if (!root || root.localName !== 'AuthnRequest' || root.namespaceURI !== NS_SAMLP) {
    throw refuse('not_authn_request', 'The SAML message is not an AuthnRequest.');
  }
  return root;
}

function checkSchema(xml: string): void {
  // Structure first: a message the schema refuses never reaches field reading.
  if (!isSchemaValid(xml)) {
    throw refuse('schema_invalid', 'The SAML request does not follow the SAML 2.0 schema.');
  }
}

function signaturePolicy(settings: SamlSettings): SignaturePolicy {
  return { spCertificate: settings.spCertificate,
    requireSigned: settings.requireSignedRequests, allowSha1: settings.allowSha1 };
}

/**
 * Verifies the signature for the binding and returns the element whose fields may be
 * read: for a signed POST, the root of exactly what the signature covers.
 */
function signedRoot(incoming: IncomingRequest, xml: string, root: Element,
  settings: SamlSettings): { root: Element; signed: boolean } {
  const policy = signaturePolicy(settings);
  if (incoming.binding === 'redirect') {
    return { root, signed: verifyRedirectSignature(incoming.rawQuery, policy) };
  }
  const covered = verifyPostSignature(xml, root, policy);
  return covered === null ? { root, signed: false }
    : { root: authnRequestRoot(parseXml(covered)), signed: true };
}

function childText(parent: Element, ns: string, localName: string): string | null {
  const child = Array.from(parent.childNodes).find((n) => n.nodeType === 1
    && (n as Element).localName === localName && (n as Element).namespaceURI === ns);
  return child ? child.textContent : null;
}

function flag(value: string | null): boolean {
  return value === 'true' || value === '1';
}

/** Issuer must be the application's SP entity ID, character for character. */
function checkIssuer(issuer: string | null, settings: SamlSettings): string {
  // No trimming or case folding: a near-miss entity ID is another service provider.
  if (issuer === null || issuer !== settings.spEntityId) {
    throw refuse('issuer_mismatch',
      'The request Issuer is not the service provider registered for this application.');
  }
  return issuer;
}

/** Destination, when present, must be this endpoint: a request meant elsewhere is refused. */
function checkDestination(root: Element, endpointUrl: string): void {
  const destination = root.getAttribute('Destination');
  if (destination && destination !== endpointUrl) {
    throw refuse('destination_mismatch', 'The request Destination is not this endpoint.');
  }
}

/**
 * Version must be 2.0: the schema only types it as a string, and a message of another
 * SAML version would be read with the wrong rules (SAML core 3.2.2, VersionMismatch).
 */
function checkVersion(root: Element): void {
  const version = root.getAttribute('Version');
  if (version !== '2.0') {
    throw refuse('version_mismatch', `The request is of SAML version "${version ?? ''}"; `
      + 'this service accepts SAML 2.0 requests only.');
  }
}

const minutes = (ms: number) => ms / 60_000;

/**
 * IssueInstant within the clock skew ahead and not older than the maximum age. A request
 * from the future has its own code: it points at a wrong clock, not at a slow user.
 */
function checkIssueInstant(value: string | null, now: Date): string {
  const time = value ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw refuse('stale_request', 'The request has no valid IssueInstant.');
  if (time > now.getTime() + CLOCK_SKEW_MS) {
    throw refuse('request_from_future', 'The request was issued more than '
      + `${minutes(CLOCK_SKEW_MS)} minutes ahead of this service's clock: the clock of the `
      + 'service provider or of this service is wrong.');
  }
  if (time < now.getTime() - REQUEST_MAX_AGE_MS) {
    throw refuse('stale_request', `The request was issued more than ${minutes(
      REQUEST_MAX_AGE_MS)} minutes ago. Start the sign-in again from the application.`);
  }
  return value!;
}

/**
 * The ACS URL to answer: the one the request names if it is registered, the registered
 * one at the named index, or the default. Never a URL the administrator did not register.
 */
function resolveAcs(root: Element, settings: SamlSettings): string {
  const binding = root.getAttribute('ProtocolBinding');
  if (binding && binding !== BINDING_POST) {
    throw refuse('unsupported_binding', 'Responses are delivered with HTTP-POST only.');
  }
  const url = root.getAttribute('AssertionConsumerServiceURL');
  const index = root.getAttribute('AssertionConsumerServiceIndex');
  if (url) {
    if (!settings.acsUrls.includes(url)) {
      throw refuse('acs_not_registered',
        'The request asks for an ACS URL that is not registered for this application.');
    }
    return url;
  }
  // An index counts positions in the registered list from 0 (indices are not stored).
  const chosen = index ? settings.acsUrls[Number(index)] : settings.defaultAcsUrl;
  if (!chosen) {
    throw refuse('acs_not_registered', 'No registered ACS URL matches the request.');
  }
  return chosen;
}

function nameIdPolicyFormat(root: Element): string | null {
  const policy = Array.from(root.childNodes).find((n) => n.nodeType === 1
    && (n as Element).localName === 'NameIDPolicy' && (n as Element).namespaceURI === NS_SAMLP);
  return (policy as Element | undefined)?.getAttribute('Format') || null;
}

/**
 * Remembers the request ID until it is too old to be accepted anyway; a second use of
 * the same ID is a replay of a captured request and is refused.
 */
async function rememberRequestId(ctx: RequestContext, id: string, issueInstant: string):
  Promise<void> {
  const expires = new Date(Date.parse(issueInstant) + REQUEST_MAX_AGE_MS + CLOCK_SKEW_MS);
  try {
    await ctx.db.insertInto('saml_request_ids').values({
      application_id: ctx.applicationId, request_id: id, expires_at: expires.toISOString(),
    }).execute();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw refuse('replayed_request', 'This request was already used.');
    }
    throw error;
  }
}

/**
 * Decodes and checks an AuthnRequest: size caps, encoding, no DTD, schema, signature,
 * Version, Issuer, Destination, IssueInstant, ACS URL, and finally the replay cache (only a
 * request that passed everything else spends its ID). Throws SamlRefusal.
 */
export async function checkAuthnRequest(incoming: IncomingRequest, ctx: RequestContext):
  Promise<AuthnRequestInfo> {
  const xml = incoming.binding === 'redirect' ? decodeRedirectRequest(incoming.encoded)
    : decodePostRequest(incoming.encoded);
  checkSchema(xml);
  const { root, signed } = signedRoot(incoming, xml, authnRequestRoot(parseXml(xml)),
    ctx.settings);
  checkVersion(root);
  const issuer = checkIssuer(childText(root, NS_SAML, 'Issuer'), ctx.settings);
  checkDestination(root, ctx.endpointUrl);
  const issueInstant = checkIssueInstant(root.getAttribute('IssueInstant'),
    ctx.now ?? new Date());
  const acsUrl = resolveAcs(root, ctx.settings);
  const id = root.getAttribute('ID') ?? '';
  await rememberRequestId(ctx, id, issueInstant);
  return {
    id, issuer, issueInstant, acsUrl, signed,
    forceAuthn: flag(root.getAttribute('ForceAuthn')),
    isPassive: flag(root.getAttribute('IsPassive')),
    nameIdPolicyFormat: nameIdPolicyFormat(root),
  };
}

/** Forgets request IDs past their lifetime. */
export async function purgeRequestIds(db: Db, now = new Date()): Promise<void> {
  await db.deleteFrom('saml_request_ids').where('expires_at', '<=', now.toISOString()).execute();
}

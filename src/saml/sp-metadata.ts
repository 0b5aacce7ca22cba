import * as samlify from 'samlify';
import { badRequest } from '../http/errors.js';
import { BINDING_POST } from './metadata.js';
import { refuseDoctype } from './request-decode.js';
import type { SamlSettingsInput } from './settings.js';

const NAMEID_FORMATS = new Set([
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
]);

/** Largest SP metadata document accepted, in bytes. */
export const MAX_SP_METADATA_BYTES = 200 * 1024;

function asList(value: string | string[] | undefined | null): string[] {
  if (!value) return [];
  return (Array.isArray(value) ? value : [value]).filter(Boolean);
}

interface AcsEntry {
  binding?: string;
  location?: string;
  isDefault?: string | boolean;
  index?: string;
}

/** The entry's metadata index, or Infinity when it has none a number can be read from. */
function indexOf(entry: AcsEntry): number {
  const index = entry.index === undefined ? NaN : Number(entry.index);
  return Number.isInteger(index) ? index : Infinity;
}

/**
 * HTTP-POST ACS entries in the order of their metadata index (document order where that
 * ties). An AuthnRequest's AssertionConsumerServiceIndex is read as a position in the
 * stored list, so it names the endpoint the SP meant when the SP numbers them 0, 1, 2.
 */
function postAcsEntries(raw: unknown): AcsEntry[] {
  const entries = (Array.isArray(raw) ? raw : raw ? [raw] : []) as AcsEntry[];
  return entries.filter((e) => e.binding === BINDING_POST && e.location)
    .map((entry, order) => ({ entry, order }))
    .sort((a, b) => indexOf(a.entry) - indexOf(b.entry) || a.order - b.order)
    .map(({ entry }) => entry);
}

/** The endpoint marked isDefault, else the first (SAML metadata, section 2.2.3). */
function defaultAcsUrl(entries: AcsEntry[]): string {
  const marked = entries.find((e) => e.isDefault === true || e.isDefault === 'true');
  return (marked ?? entries[0]!).location!;
}

function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, '').match(/.{1,64}/g)?.join('\n') ?? '';
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** samlify's metadata reader; a document it cannot read is a 400. */
function readMetadata(xml: string) {
  try {
    return samlify.ServiceProvider({ metadata: xml }).entityMeta;
  } catch {
    throw badRequest('The SP metadata could not be read as SAML 2.0 metadata');
  }
}

/**
 * SAML settings read from a service provider's metadata XML: entity ID, HTTP-POST ACS
 * URLs (in index order) and the default one, its signing certificate and a NameID format
 * this service can produce. Throws 400 for a document that carries none of that.
 */
export function settingsFromSpMetadata(xml: string): SamlSettingsInput {
  if (Buffer.byteLength(xml) > MAX_SP_METADATA_BYTES) {
    throw badRequest('The SP metadata is larger than allowed');
  }
  refuseDoctype(xml);
  const meta = readMetadata(xml);
  const spEntityId = meta.getEntityID();
  const acs = postAcsEntries(meta.getAssertionConsumerService(undefined as unknown as string));
  const acsUrls = acs.map((e) => e.location!);
  if (!spEntityId || acsUrls.length === 0) {
    throw badRequest('The SP metadata names no entity ID or no HTTP-POST ACS URL');
  }
  const certificate = asList(meta.getX509Certificate('signing'))[0];
  const format = asList(meta.getNameIDFormat()).find((f) => NAMEID_FORMATS.has(f));
  return {
    spEntityId,
    acsUrls,
    defaultAcsUrl: defaultAcsUrl(acs),
    spCertificate: certificate ? toPem(certificate) : null,
    requireSignedRequests: meta.isAuthnRequestSigned() && Boolean(certificate),
    ...(format ? { nameIdFormat: format as SamlSettingsInput['nameIdFormat'] } : {}),
  };
}

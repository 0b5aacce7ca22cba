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
}

/** HTTP-POST ACS locations, the one marked default first, then document order. */
function postAcsUrls(raw: unknown): string[] {
  const entries = (Array.isArray(raw) ? raw : raw ? [raw] : []) as AcsEntry[];
  const post = entries.filter((e) => e.binding === BINDING_POST && e.location);
  const isDefault = (e: AcsEntry) => e.isDefault === true || e.isDefault === 'true';
  return [...post.filter(isDefault), ...post.filter((e) => !isDefault(e))]
    .map((e) => e.location!);
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
 * URLs (in the document's order), its signing certificate and a NameID format this
 * service can produce. Throws 400 for a document that carries none of that.
 */
export function settingsFromSpMetadata(xml: string): SamlSettingsInput {
  if (Buffer.byteLength(xml) > MAX_SP_METADATA_BYTES) {
    throw badRequest('The SP metadata is larger than allowed');
  }
  refuseDoctype(xml);
  const meta = readMetadata(xml);
  const spEntityId = meta.getEntityID();
  const acsUrls = postAcsUrls(meta.getAssertionConsumerService(undefined as unknown as string));
  if (!spEntityId || acsUrls.length === 0) {
    throw badRequest('The SP metadata names no entity ID or no HTTP-POST ACS URL');
  }
  const certificate = asList(meta.getX509Certificate('signing'))[0];
  const format = asList(meta.getNameIDFormat()).find((f) => NAMEID_FORMATS.has(f));
  return {
    spEntityId,
    acsUrls,
    defaultAcsUrl: acsUrls[0]!,
    spCertificate: certificate ? toPem(certificate) : null,
    requireSignedRequests: meta.isAuthnRequestSigned() && Boolean(certificate),
    ...(format ? { nameIdFormat: format as SamlSettingsInput['nameIdFormat'] } : {}),
  };
}

import { inflateRawSync } from 'node:zlib';
import { refuse } from './refusal.js';

/** Largest SAMLRequest parameter accepted, base64 as sent, in bytes. */
export const MAX_ENCODED_REQUEST_BYTES = 12 * 1024;
/** Largest AuthnRequest XML accepted after base64 and inflation, in bytes. */
export const MAX_REQUEST_XML_BYTES = 32 * 1024;
/** Largest RelayState accepted and returned unchanged, in bytes. */
export const MAX_RELAY_STATE_BYTES = 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Refuses a parameter larger than the cap before any decoding work is spent on it. */
export function checkEncodedSize(encoded: string): void {
  if (Buffer.byteLength(encoded) > MAX_ENCODED_REQUEST_BYTES) {
    throw refuse('request_too_large', 'The SAML request is larger than allowed.', 413);
  }
}

/** Strict base64 (line breaks tolerated, as some SPs wrap POST values). */
function decodeBase64(encoded: string): Buffer {
  const compact = encoded.replace(/[\r\n]/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) {
    throw refuse('invalid_encoding', 'The SAML request is not valid base64.');
  }
  return Buffer.from(compact, 'base64');
}

/**
 * Inflates with a hard cap on the output: a few kilobytes of deflate can expand to
 * gigabytes (a deflate bomb), so inflation stops at the cap instead of finishing.
 */
function inflateCapped(compressed: Buffer): Buffer {
  try {
    return inflateRawSync(compressed, { maxOutputLength: MAX_REQUEST_XML_BYTES });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw refuse('request_too_large', 'The SAML request inflates beyond the allowed size.',
        413);
    }
    throw refuse('invalid_encoding', 'The SAML request is not valid deflate data.');
  }
}

/** UTF-8 text, refusing invalid byte sequences rather than replacing them. */
function utf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse('invalid_encoding', 'The SAML request is not UTF-8 text.');
  }
}

/**
 * Refuses any document type declaration before a parser sees the text: DTDs carry
 * external entities (file and network reads) and entity expansion ("billion laughs"),
 * and no SAML message needs one.
 */
export function refuseDoctype(xml: string): void {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw refuse('doctype_refused', 'The SAML message contains a document type declaration, '
      + 'which is not allowed.');
  }
}

/** HTTP-Redirect: base64 of raw deflate, capped before and after inflation. */
export function decodeRedirectRequest(encoded: string): string {
  checkEncodedSize(encoded);
  const xml = utf8(inflateCapped(decodeBase64(encoded)));
  refuseDoctype(xml);
  return xml;
}

/** True when the bytes open like an XML document (optional BOM and white space, '<'). */
function looksLikeXml(bytes: Buffer): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) i += 1;
  return bytes[i] === 0x3c;
}

/** HTTP-POST: base64 of the XML itself; deflated data here is refused. */
export function decodePostRequest(encoded: string): string {
  checkEncodedSize(encoded);
  const bytes = decodeBase64(encoded);
  if (bytes.length > MAX_REQUEST_XML_BYTES) {
    throw refuse('request_too_large', 'The SAML request is larger than allowed.', 413);
  }
  if (!looksLikeXml(bytes)) {
    throw refuse('invalid_encoding', 'An HTTP-POST SAML request must be XML, not deflated.');
  }
  const xml = utf8(bytes);
  refuseDoctype(xml);
  return xml;
}

/** RelayState as received, refused above the cap (it is returned byte for byte). */
export function checkRelayState(relayState: string | undefined): string | undefined {
  if (relayState === undefined) return undefined;
  if (Buffer.byteLength(relayState) > MAX_RELAY_STATE_BYTES) {
    throw refuse('relay_state_too_large',
      `The RelayState is longer than ${MAX_RELAY_STATE_BYTES} bytes.`);
  }
  return relayState;
}

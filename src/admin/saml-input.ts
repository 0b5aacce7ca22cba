import { z } from 'zod';
import { badRequest } from '../http/errors.js';
import { type SamlSettingsInput, USER_PROPERTIES } from '../saml/settings.js';
import { settingsFromSpMetadata } from '../saml/sp-metadata.js';

/*
 * What an administrator may enter as an application's SAML settings, typed into the
 * admin API or the SSO form, or read from pasted SP metadata: the same rules for all three.
 */

export const NAMEID_FORMATS = [
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
] as const;

const httpsOrLocalUrl = z.string().max(2048).refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:'
      && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}, 'must be an https URL (http only for localhost)');

const attributeMapping = z.strictObject({
  name: z.string().trim().min(1).max(256),
  source: z.enum(['property', 'constant']),
  value: z.string().max(1024),
}).refine((a) => a.source === 'constant'
  || (USER_PROPERTIES as readonly string[]).includes(a.value),
{ message: `a property must be one of ${USER_PROPERTIES.join(', ')}`, path: ['value'] });

const pemCertificate = z.string().max(16_384)
  .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/,
    'must be a PEM certificate');

export const samlSettings = z.strictObject({
  spEntityId: z.string().trim().min(1).max(1024).optional(),
  acsUrls: z.array(httpsOrLocalUrl).min(1).max(20)
    .refine((urls) => new Set(urls).size === urls.length, 'lists the same URL twice')
    .optional(),
  defaultAcsUrl: httpsOrLocalUrl.optional(),
  nameIdFormat: z.enum(NAMEID_FORMATS).optional(),
  nameIdSource: z.enum(['email', 'username', 'id']).optional(),
  attributes: z.array(attributeMapping).max(50).optional(),
  signResponse: z.boolean().optional(),
  requireSignedRequests: z.boolean().optional(),
  allowSha1: z.boolean().optional(),
  spCertificate: pemCertificate.nullable().optional(),
});

/**
 * Settings read from pasted SP metadata, held to the rules of the settings form: an ACS
 * URL from a document is as untrusted as a typed one (a javascript: or plain-http URL
 * would receive signed assertions). Throws 400 with the refused value under the
 * metadata field; nothing is saved then.
 */
export function importedSettings(xml: string): SamlSettingsInput {
  const imported = settingsFromSpMetadata(xml);
  const result = samlSettings.safeParse(imported);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const [field, index] = issue.path;
  const value = field === 'acsUrls' && typeof index === 'number'
    ? imported.acsUrls?.[index] : imported[field as keyof SamlSettingsInput];
  const message = `The metadata was not imported: its ${METADATA_FIELDS[String(field)]
    ?? String(field)} "${String(value).slice(0, 200)}" is refused (${issue.message}).`;
  throw badRequest(message, { fields: { spMetadataXml: message } });
}

/** How the metadata import names a settings field in its messages. */
const METADATA_FIELDS: Record<string, string> = {
  acsUrls: 'ACS URL', defaultAcsUrl: 'default ACS URL', spEntityId: 'entity ID',
  spCertificate: 'signing certificate', nameIdFormat: 'NameID format',
};


import { X509Certificate } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Connector, NameIdFormat, NameIdSource } from '../applications/catalog.js';
import { badRequest, notFound } from '../http/errors.js';
import { type Actor, recordEvent } from '../insights/events.js';
import { type Db, now } from '../store/db.js';
import type { SamlSettingsTable } from './tables.js';

/** One attribute statement: a SAML attribute name and where its value comes from. */
export interface AttributeMapping {
  name: string;
  /** 'property' takes `value` as a user property name; 'constant' sends `value` itself. */
  source: 'property' | 'constant';
  value: string;
}

/** User properties an attribute statement may send. */
export const USER_PROPERTIES = ['id', 'username', 'email', 'firstName', 'lastName',
  'displayName', 'jobTitle', 'department', 'preferredLanguage'] as const;

export interface SamlSettings {
  applicationId: string;
  spEntityId: string | null;
  acsUrls: string[];
  defaultAcsUrl: string | null;
  nameIdFormat: NameIdFormat;
  nameIdSource: NameIdSource;
  attributes: AttributeMapping[];
  signResponse: boolean;
  requireSignedRequests: boolean;
  allowSha1: boolean;
  spCertificate: string | null;
  updatedAt: string;
}

/**
 * True when sign-in can work: the service provider's entity ID and a default ACS URL are
 * set. Until then the application is listed as not configured and has no portal tile.
 */
export function isSsoConfigured(s: Pick<SamlSettings, 'spEntityId' | 'defaultAcsUrl'>):
  boolean {
  return Boolean(s.spEntityId) && Boolean(s.defaultAcsUrl);
}

export type SamlSettingsInput = Partial<Omit<SamlSettings, 'applicationId' | 'updatedAt'>>;

type SettingsRow = Selectable<SamlSettingsTable>;

function toSettings(row: SettingsRow): SamlSettings {
  return {
    applicationId: row.application_id,
    spEntityId: row.sp_entity_id,
    acsUrls: JSON.parse(row.acs_urls) as string[],
    defaultAcsUrl: row.default_acs_url,
    nameIdFormat: row.name_id_format as NameIdFormat,
    nameIdSource: row.name_id_source as NameIdSource,
    attributes: JSON.parse(row.attributes) as AttributeMapping[],
    signResponse: row.sign_response === 1,
    requireSignedRequests: row.require_signed_requests === 1,
    allowSha1: row.allow_sha1 === 1,
    spCertificate: row.sp_certificate,
    updatedAt: row.updated_at,
  };
}

/** Settings columns from a full settings object. */
function toRow(s: Omit<SamlSettings, 'updatedAt'>): SettingsRow {
  return {
    application_id: s.applicationId,
    sp_entity_id: s.spEntityId,
    acs_urls: JSON.stringify(s.acsUrls),
    default_acs_url: s.defaultAcsUrl,
    name_id_format: s.nameIdFormat,
    name_id_source: s.nameIdSource,
    attributes: JSON.stringify(s.attributes),
    sign_response: s.signResponse ? 1 : 0,
    require_signed_requests: s.requireSignedRequests ? 1 : 0,
    allow_sha1: s.allowSha1 ? 1 : 0,
    sp_certificate: s.spCertificate,
    updated_at: now(),
  };
}

/**
 * Settings a new application starts with: the connector's defaults, then what the
 * administrator gave. Throws 400 when the result is inconsistent.
 */
export function initialSettings(applicationId: string, connector: Connector,
  input: SamlSettingsInput = {}): Omit<SamlSettings, 'updatedAt'> {
  const acsUrls = input.acsUrls ?? connector.saml.acsUrls;
  return checkConsistent({
    applicationId,
    spEntityId: input.spEntityId ?? connector.saml.spEntityId,
    acsUrls,
    defaultAcsUrl: input.defaultAcsUrl ?? acsUrls[0] ?? null,
    nameIdFormat: input.nameIdFormat ?? connector.saml.nameIdFormat,
    nameIdSource: input.nameIdSource ?? connector.saml.nameIdSource,
    attributes: input.attributes ?? [],
    signResponse: input.signResponse ?? false,
    requireSignedRequests: input.requireSignedRequests ?? false,
    allowSha1: input.allowSha1 ?? false,
    spCertificate: input.spCertificate ?? null,
  });
}

/** Smallest RSA key accepted in an SP certificate, in bits. */
const MIN_SP_KEY_BITS = 2048;

/**
 * Why an SP certificate cannot verify request signatures, or null when it can. Checked
 * when settings are saved: a certificate that does not parse would otherwise only fail
 * at the first signed sign-in, as a server error instead of a clear answer.
 */
function spCertificateProblem(pem: string): string | null {
  let key;
  try {
    key = new X509Certificate(pem).publicKey;
  } catch {
    return 'must be a PEM X.509 certificate';
  }
  // Requests are accepted with RSA signature algorithms only (see request-signature.ts).
  if (key.asymmetricKeyType !== 'rsa') return 'must carry an RSA public key';
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits < MIN_SP_KEY_BITS ? `must carry an RSA key of ${MIN_SP_KEY_BITS} bits or more`
    : null;
}

/** The default ACS URL must be one of the registered ones; signed requests need a key. */
function checkConsistent<T extends Omit<SamlSettings, 'updatedAt'>>(s: T): T {
  const fields: Record<string, string> = {};
  const certificateProblem = s.spCertificate ? spCertificateProblem(s.spCertificate) : null;
  if (certificateProblem) fields.spCertificate = certificateProblem;
  if (s.defaultAcsUrl !== null && !s.acsUrls.includes(s.defaultAcsUrl)) {
    fields.defaultAcsUrl = 'must be one of acsUrls';
  }
  if (s.acsUrls.length > 0 && s.defaultAcsUrl === null) {
    fields.defaultAcsUrl = 'required when acsUrls is not empty';
  }
  if (s.requireSignedRequests && !s.spCertificate) {
    fields.spCertificate = 'required when requireSignedRequests is true';
  }
  if (Object.keys(fields).length > 0) {
    throw badRequest('The SAML settings are not consistent', { fields });
  }
  return s;
}

/** Per-application SAML settings, created with each application from its connector. */
export class SamlSettingsService {
  constructor(private readonly db: Db) {}

  /** Writes the first settings of a new application inside its creating transaction. */
  async insert(trx: Db, settings: Omit<SamlSettings, 'updatedAt'>): Promise<void> {
    await trx.insertInto('saml_settings').values(toRow(settings)).execute();
  }

  async get(applicationId: string): Promise<SamlSettings> {
    const row = await this.db.selectFrom('saml_settings').selectAll()
      .where('application_id', '=', applicationId).executeTakeFirst();
    if (!row) throw notFound('SAML settings');
    return toSettings(row);
  }

  /** Ids among `applicationIds` whose settings are complete enough to sign in. */
  async configuredIds(applicationIds: string[]): Promise<Set<string>> {
    if (applicationIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('saml_settings')
      .select(['application_id', 'sp_entity_id', 'default_acs_url'])
      .where('application_id', 'in', applicationIds).execute();
    return new Set(rows.filter((r) => isSsoConfigured({ spEntityId: r.sp_entity_id,
      defaultAcsUrl: r.default_acs_url })).map((r) => r.application_id));
  }

  /** Changes the given fields; the others keep their values. Throws 400 if inconsistent. */
  async update(applicationId: string, input: SamlSettingsInput, actor: Actor):
    Promise<SamlSettings> {
    const before = await this.get(applicationId);
    const acsUrls = input.acsUrls ?? before.acsUrls;
    const defaultAcsUrl = input.defaultAcsUrl !== undefined ? input.defaultAcsUrl
      : before.defaultAcsUrl && acsUrls.includes(before.defaultAcsUrl) ? before.defaultAcsUrl
        : acsUrls[0] ?? null;
    const merged = checkConsistent({ ...before, ...input, acsUrls, defaultAcsUrl });
    await this.db.transaction().execute(async (trx) => {
      const { application_id: _id, ...columns } = toRow(merged);
      await trx.updateTable('saml_settings').set(columns)
        .where('application_id', '=', applicationId).execute();
      await recordEvent(trx, {
        type: 'application_sso_update', initiator: actor, outcome: 'success',
        resource: { type: 'application', id: applicationId }, applicationId,
        details: { changed: Object.keys(input) },
      });
    });
    return this.get(applicationId);
  }
}

/*
 * Tables owned by single sign-on. Times are ISO-8601 UTC strings and flags 0/1 integers,
 * as everywhere in the store; each row is keyed by its application and goes with it.
 */

/** SAML settings of one application (one row per application). */
export interface SamlSettingsTable {
  application_id: string;
  /** The service provider's entity ID; null until an administrator enters it. */
  sp_entity_id: string | null;
  /** JSON array of registered ACS URLs (HTTP-POST binding). */
  acs_urls: string;
  /** The ACS URL used when a request names none, and for IdP-initiated sign-in. */
  default_acs_url: string | null;
  name_id_format: string;
  name_id_source: string;
  /** JSON array of { name, source: 'property' | 'constant', value }. */
  attributes: string;
  sign_response: number;
  require_signed_requests: number;
  allow_sha1: number;
  /** PEM of the service provider's signing certificate, or null. */
  sp_certificate: string | null;
  updated_at: string;
}

/** Signing key pairs and certificates of an application. */
export interface SigningKeysTable {
  id: string;
  application_id: string;
  /** 'active' signs; 'next' is published in metadata before it signs; 'retired' is kept. */
  status: 'active' | 'next' | 'retired';
  certificate_pem: string;
  /** Empty: the private key is a file under CERTS_DIR (migration 0009-key-files). */
  private_key_encrypted: string;
  fingerprint_sha256: string;
  not_before: string;
  not_after: string;
  created_at: string;
}

/** AuthnRequest IDs already accepted, kept for their lifetime so a replay is refused. */
export interface SamlRequestIdsTable {
  application_id: string;
  request_id: string;
  expires_at: string;
}

/**
 * The catalog of connectors an administrator can add. A connector carries what the
 * service provider expects (SAML values, SCIM endpoint and what its SCIM API can do);
 * an application is one configured instance of a connector.
 */

export type NameIdFormat =
  | 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'
  | 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified'
  | 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** The user property a NameID is taken from. */
export type NameIdSource = 'email' | 'username' | 'id';

export interface SamlDefaults {
  /** Fixed by the connector (Asana), or null when the administrator enters it. */
  spEntityId: string | null;
  acsUrls: string[];
  nameIdFormat: NameIdFormat;
  nameIdSource: NameIdSource;
}

/** What the application's SCIM API supports; the provisioning engine obeys these. */
export interface ScimCapabilities {
  /** Default SCIM base URL, or null when the administrator enters it. */
  defaultBaseUrl: string | null;
  /** Can a deactivated user be made active again over SCIM? */
  supportsReactivation: boolean;
  /** Can a user be deleted (rather than only deactivated)? */
  supportsUserDeletion: boolean;
  supportsGroups: boolean;
  supportsGroupDeletion: boolean;
  /** Sends name changes as name.formatted only (a PATCH of givenName is refused). */
  nameAsFormattedOnly: boolean;
}

export interface RateProfile {
  id: string;
  label: string;
  requestsPerMinute: number;
  concurrentReads: number;
  concurrentWrites: number;
}

export interface Connector {
  id: string;
  name: string;
  description: string;
  /** Default custom IdP URL value: URL-safe, derived from the name. */
  defaultCustomValue: string;
  saml: SamlDefaults;
  scim: ScimCapabilities | null;
  rateProfiles: RateProfile[];
}

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

export const CONNECTORS: readonly Connector[] = [
  {
    id: 'asana',
    name: 'Asana',
    description: 'Work management platform. SAML single sign-on and SCIM provisioning.',
    defaultCustomValue: 'asana',
    saml: {
      spEntityId: 'https://app.asana.com/',
      acsUrls: ['https://app.asana.com/-/saml/consume'],
      nameIdFormat: NAMEID_EMAIL,
      nameIdSource: 'email',
    },
    scim: {
      defaultBaseUrl: 'https://app.asana.com/api/1.0/scim',
      supportsReactivation: false,
      supportsUserDeletion: false,
      supportsGroups: true,
      supportsGroupDeletion: false,
      nameAsFormattedOnly: true,
    },
    // Asana documents 50 concurrent reads and 15 concurrent writes per token; the
    // per-minute quota depends on the organisation's plan.
    rateProfiles: [
      { id: 'asana-free', label: 'Asana Free (150 requests a minute)',
        requestsPerMinute: 150, concurrentReads: 50, concurrentWrites: 15 },
      { id: 'asana-premium', label: 'Asana Premium (1,500 requests a minute)',
        requestsPerMinute: 1500, concurrentReads: 50, concurrentWrites: 15 },
    ],
  },
  {
    id: 'custom-saml',
    name: 'Custom SAML application',
    description: 'Any SAML 2.0 service provider, optionally with SCIM 2.0 provisioning.',
    defaultCustomValue: 'custom-saml',
    saml: {
      spEntityId: null,
      acsUrls: [],
      nameIdFormat: NAMEID_EMAIL,
      nameIdSource: 'email',
    },
    scim: {
      defaultBaseUrl: null,
      supportsReactivation: true,
      supportsUserDeletion: true,
      supportsGroups: true,
      supportsGroupDeletion: true,
      nameAsFormattedOnly: false,
    },
    rateProfiles: [
      { id: 'standard', label: 'Standard (600 requests a minute)',
        requestsPerMinute: 600, concurrentReads: 10, concurrentWrites: 5 },
    ],
  },
];

export function findConnector(id: string): Connector | undefined {
  return CONNECTORS.find((c) => c.id === id);
}

/** Connectors whose name matches a search, for the "Add New Application" catalog. */
export function searchCatalog(term: string): Connector[] {
  const t = term.trim().toLowerCase();
  return CONNECTORS.filter((c) => !t || c.name.toLowerCase().includes(t)
    || c.description.toLowerCase().includes(t));
}

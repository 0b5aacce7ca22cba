import type {
  Application, ApplicationInput, ApplicationService,
} from '../applications/service.js';
import { findConnector } from '../applications/catalog.js';
import type { GeneratedCertificate } from '../certs/generate.js';
import { KeyFiles } from '../certs/key-files.js';
import { CertificateService, type CertificateInfo } from '../certs/service.js';
import type { Config } from '../config.js';
import { HttpError } from '../http/errors.js';
import type { Actor } from '../insights/events.js';
import type { Db } from '../store/db.js';
import { idpMetadataXml } from './metadata.js';
import { installSchemaValidator } from './schemas.js';
import {
  initialSettings, isSsoConfigured, type SamlSettings, type SamlSettingsInput,
  SamlSettingsService,
} from './settings.js';

export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

export interface NewApplication extends ApplicationInput {
  connector: string;
  customValue?: string;
  /** Settings already checked by the caller (typed, or read from SP metadata). */
  saml?: SamlSettingsInput;
}

/** An application with whether its single sign-on settings are complete. */
export type SsoApplication = Application & {
  /** False while the SP entity ID or ACS URL is missing: sign-in cannot work yet. */
  ssoConfigured: boolean;
};

/**
 * What createApplication prepares before the creating transaction. Passed as an argument
 * rather than through AsyncLocalStorage: once enabled, that adds a hook to every promise
 * the process makes afterwards, sign-ins included.
 */
type PreparedSso = {
  saml: SamlSettingsInput;
  certificate: GeneratedCertificate;
};

/**
 * Single sign-on for configured applications: SAML settings, signing certificates and
 * IdP metadata. Admin API routes and admin portal pages call these methods directly.
 */
export class SamlService {
  readonly settings: SamlSettingsService;
  readonly certificates: CertificateService;
  constructor(private readonly db: Db, private readonly config: Config,
    private readonly applications: ApplicationService) {
    installSchemaValidator();
    this.settings = new SamlSettingsService(db);
    this.certificates = new CertificateService(db, new KeyFiles(config.certsDir),
      config.certificateValidityDays);
    applications.onCreate(async (trx, app, connector, prepared) => {
      const { saml, certificate } = prepared as Partial<PreparedSso>;
      await this.settings.insert(trx, initialSettings(app.id, connector, saml));
      await this.certificates.generate(trx, app.id, app.label, 'active', certificate);
    });
  }

  /**
   * Creates an application with its SAML settings and its first signing certificate, all
   * in one transaction.
   */
  async createApplication(input: NewApplication, actor: Actor): Promise<Application> {
    const { connector, saml, ...fields } = input;
    // The key pair is made before the transaction, so no write waits on RSA generation.
    const known = findConnector(connector);
    if (!known) return this.applications.create(connector, fields, actor);
    const prepared: PreparedSso = {
      saml: saml ?? {},
      certificate: this.certificates.create(fields.label ?? known.name),
    };
    return this.applications.create(connector, fields, actor, prepared);
  }

  /** Replaces the given SAML settings fields; the others keep their values. */
  async updateSettings(applicationId: string, input: SamlSettingsInput, actor: Actor):
    Promise<SamlSettings> {
    return this.settings.update(applicationId, input, actor);
  }

  /** The IdP URL of an application: its entity ID and both SSO bindings' location. */
  idpUrl(app: Application): string {
    return `${this.config.publicUrl}/saml2/${app.customValue}`;
  }

  /** PEM of the signing certificate, for the certificate.pem download. */
  async certificatePem(applicationId: string): Promise<string> {
    return (await this.certificates.active(applicationId)).certificatePem;
  }

  /** Generates the next certificate, published in metadata before it signs. */
  async createNextCertificate(app: Application, actor: Actor): Promise<CertificateInfo> {
    return this.certificates.createNext(app.id, app.label, actor);
  }

  /** Discards the next certificate before it signs; it leaves the metadata at once. */
  async discardNextCertificate(app: Application, certificateId: string, actor: Actor):
    Promise<CertificateInfo> {
    return this.certificates.discardNext(app.id, certificateId, app.label, actor);
  }

  async promoteCertificate(app: Application, certificateId: string, actor: Actor):
    Promise<CertificateInfo> {
    return this.certificates.promote(app.id, certificateId, app.label, actor);
  }

  /** IdP metadata of the application, listing the active and any next certificate. */
  async metadata(app: Application): Promise<string> {
    const settings = await this.settings.get(app.id);
    const certificates = await this.certificates.published(app.id);
    // Only formats this application can produce: anything else gets InvalidNameIDPolicy.
    const formats = [...new Set([settings.nameIdFormat, NAMEID_UNSPECIFIED])];
    return idpMetadataXml({
      entityId: this.idpUrl(app),
      ssoUrl: this.idpUrl(app),
      certificates: certificates.map((c) => c.certificatePem),
      nameIdFormats: formats,
      wantAuthnRequestsSigned: settings.requireSignedRequests,
    });
  }

  /** The applications, each with whether its settings are complete enough to sign in. */
  async withSsoStatus(apps: Application[]): Promise<SsoApplication[]> {
    const configured = await this.settings.configuredIds(apps.map((app) => app.id));
    return apps.map((app) => ({ ...app, ssoConfigured: configured.has(app.id) }));
  }

  /** One application with whether its settings are complete enough to sign in. */
  async withSsoStatusOf(app: Application): Promise<SsoApplication> {
    const [listed] = await this.withSsoStatus([app]);
    return listed!;
  }

  /** Settings ready for sign-in; 409 while the SP entity ID or ACS URL is missing. */
  async readySettings(applicationId: string): Promise<SamlSettings> {
    const settings = await this.settings.get(applicationId);
    if (!isSsoConfigured(settings)) {
      throw new HttpError(409, 'sso_not_configured',
        'Single sign-on is not configured for this application yet.');
    }
    return settings;
  }
}

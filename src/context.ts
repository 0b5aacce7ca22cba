import { EventEmitter } from 'node:events';
import { ApplicationService } from './applications/service.js';
import type { Config } from './config.js';
import { AdminService } from './directory/admins.js';
import { GroupService } from './directory/groups.js';
import { UserService } from './directory/users.js';
import type { Logger } from './log.js';
import { ProvisioningService } from './provisioning/service.js';
import { createMailer } from './mail.js';
import { ImportService } from './provisioning/import/service.js';
import { ScimUserSource } from './provisioning/import/scim-source.js';
import { SamlService } from './saml/service.js';
import { readSecrets, secretsFor, type ServiceSecrets } from './secrets.js';
import { type Database, type Db, openDatabase } from './store/db.js';

/** Everything a request handler or worker needs, made once at start-up. */
export interface AppContext {
  config: Config;
  logger: Logger;
  secrets: ServiceSecrets;
  database: Database;
  db: Db;
  users: UserService;
  groups: GroupService;
  admins: AdminService;
  applications: ApplicationService;
  /** Single sign-on: SAML settings, signing certificates, metadata. */
  saml: SamlService;
  /** Emits 'change' after every committed directory change (the feed has new entries). */
  changes: EventEmitter;
  /** Identity management (SCIM provisioning): integrations, worker, per-user state. */
  provisioning: ProvisioningService;
  /** Import of users from applications; its worker runs large imports. */
  imports: ImportService;
}

/**
 * Opens and migrates the database, takes the secrets that belong to it, and builds the
 * services. Throws StartupError when the secrets file is missing or foreign.
 */
export async function createContext(config: Config, logger: Logger): Promise<AppContext> {
  const stored = readSecrets(config.secretsFile);
  const database = await openDatabase({ ...config, onConnectionError: (err) =>
    logger.warn({ category: 'store', err }, 'database connection lost; reconnecting'),
  keyMove: { certsDir: config.certsDir, encryptionKey: stored?.encryptionKey ?? null } });
  const secrets = await secretsFor(database.db, config.secretsFile, stored)
    .catch(async (error: unknown) => {
      await database.close();
      throw error;
    });
  const changes = new EventEmitter();
  const changed = () => changes.emit('change');
  const users = new UserService(database.db, config.passwordHashCost, changed);
  const applications = new ApplicationService(database.db, changed);
  const provisioning = new ProvisioningService({ config, logger, db: database.db,
    encryptionKey: secrets.encryptionKey, applications, changes });
  const saml = new SamlService(database.db, config, applications);
  // Only once the application is gone: a rolled-back delete must still find its keys.
  applications.onGone((id) => saml.certificates.removeApplication(id));
  return {
    config,
    logger,
    secrets,
    database,
    db: database.db,
    users,
    groups: new GroupService(database.db, changed),
    admins: new AdminService(database.db, config.passwordHashCost),
    applications,
    saml,
    changes,
    provisioning,
    imports: new ImportService({ db: database.db, users, applications, logger, config,
      mailer: createMailer(config, logger),
      // The provisioning worker's limiters: listing and provisioning share one pace.
      source: new ScimUserSource(database.db, secrets.encryptionKey, provisioning.limiters) }),
  };
}

import type { Migration } from 'kysely';
import type { Dialect } from '../db.js';
import { core } from './0001-core.js';
import { sessions } from './0002-sessions.js';
import { saml } from './0003-saml.js';
import { provisioning } from './0004-provisioning.js';
import { indexes } from './0005-indexes.js';
import { importJobs } from './0006-import.js';
import { serviceState } from './0007-service-state.js';
import { foldedNames } from './0008-folded-names.js';
import { type KeyMove, keyFiles } from './0009-key-files.js';
import { eventFilters } from './0010-event-filters.js';
import { importLease } from './0011-import-lease.js';
import { passwordLinks } from './0012-password-links.js';
import { sessionOwners } from './0013-session-owners.js';
import { loginFailures } from './0014-login-failures.js';
import { composedTexts } from './0015-composed-texts.js';
import { adminSessionOwners } from './0016-admin-session-owners.js';

/**
 * Every migration, in the order it runs. Names sort in that order; a migration that has
 * run is never edited, a change is a new migration.
 */
export function migrations(dialect: Dialect, keyMove: KeyMove | null):
  Record<string, Migration> {
  return {
    '0001-core': core(dialect),
    '0002-sessions': sessions,
    '0003-saml': saml,
    '0004-provisioning': provisioning(dialect),
    '0005-indexes': indexes,
    '0006-import': importJobs,
    '0007-service-state': serviceState,
    '0008-folded-names': foldedNames,
    '0009-key-files': keyFiles(keyMove),
    '0010-event-filters': eventFilters,
    '0011-import-lease': importLease,
    '0012-password-links': passwordLinks,
    '0013-session-owners': sessionOwners(dialect),
    '0014-login-failures': loginFailures,
    '0015-composed-texts': composedTexts,
    '0016-admin-session-owners': adminSessionOwners(dialect),
  };
}

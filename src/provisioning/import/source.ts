import { HttpError } from '../../http/errors.js';
import type { ScimUser } from './mapping.js';

/**
 * Where import reads an application's users from: its SCIM API, through the
 * application's identity-management integration and within its rate limits.
 */
export interface ApplicationUserSource {
  /**
   * Every user the application returns, all pages.
   * @throws HttpError 409 `idm_not_active` when the application has no active integration,
   *   502 `application_unreachable` when its SCIM API fails.
   */
  listUsers(applicationId: string): Promise<ScimUser[]>;
}

/** The refusal for an application without an active identity-management integration. */
export function identityManagementInactive(): HttpError {
  return new HttpError(409, 'idm_not_active', 'Identity management is not active for this '
    + 'application: activate it on the Identity Management tab before importing users');
}


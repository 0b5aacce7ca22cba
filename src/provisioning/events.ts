import { type Actor, SYSTEM, recordEvent } from '../insights/events.js';
import type { Db } from '../store/db.js';

/** The event types of provisioning calls, one per kind of SCIM call. */
export const PROVISION_EVENT_TYPES = [
  'user_create_provision', 'user_update_provision', 'user_deprovision',
  'user_delete_provision', 'user_lookup_provision',
  'group_create_provision', 'group_update_provision', 'group_delete_provision',
] as const;

export type ProvisionEventType = (typeof PROVISION_EVENT_TYPES)[number];

export interface ProvisionEvent {
  type: ProvisionEventType;
  applicationId: string;
  success: boolean;
  /** The directory user or group the call was about, or the application for a page read. */
  subject: { kind: 'user' | 'group' | 'application'; id: string; name: string };
  /** HTTP status of the answer, or null when none came back. */
  status: number | null;
  /** The application's error message (or why nothing was sent). */
  message?: string | null;
  details?: Record<string, unknown>;
}

/** Records one provisioning call in the event log. */
export async function recordProvisionEvent(db: Db, event: ProvisionEvent): Promise<void> {
  await recordEvent(db, {
    type: event.type, initiator: SYSTEM, outcome: event.success ? 'success' : 'failure',
    resource: { type: event.subject.kind, id: event.subject.id, name: event.subject.name },
    applicationId: event.applicationId,
    details: { status: event.status, ...(event.message ? { message: event.message } : {}),
      ...event.details },
  });
}

export type IntegrationEventType =
  | 'idm_integration_activate' | 'idm_integration_update' | 'idm_integration_reauth'
  | 'idm_integration_delete';

/** Records an administrator's action on an integration, with its outcome. */
export async function recordIntegrationEvent(db: Db, type: IntegrationEventType,
  actor: Actor, app: { id: string; label: string }, success: boolean,
  details: Record<string, unknown> = {}): Promise<void> {
  await recordEvent(db, {
    type, initiator: actor, outcome: success ? 'success' : 'failure',
    resource: { type: 'application', id: app.id, name: app.label }, applicationId: app.id,
    details,
  });
}

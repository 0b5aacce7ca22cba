import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { appendChange } from '../directory/feed.js';
import { HttpError, badRequest, conflict, notFound } from '../http/errors.js';
import { type Actor, recordEvent } from '../insights/events.js';
import { type Db, isUniqueViolation, now } from '../store/db.js';
import type { ApplicationsTable } from '../store/schema.js';
import { type Connector, findConnector } from './catalog.js';

export interface Application {
  id: string;
  connector: string;
  /** The last segment of the IdP URL, /saml2/<customValue>. Fixed once created. */
  customValue: string;
  label: string;
  description: string;
  portalImage: 'logo' | 'color';
  portalColor: string;
  portalLogo: string | null;
  showInPortal: boolean;
  ssoActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ApplicationInput {
  label?: string;
  description?: string;
  portalImage?: 'logo' | 'color';
  portalColor?: string;
  portalLogo?: string | null;
  showInPortal?: boolean;
}

type AppRow = Selectable<ApplicationsTable>;

/** URL-safe: lower-case letters, digits and inner hyphens, 1 to 64 characters. */
export const CUSTOM_VALUE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export const IMMUTABLE_CUSTOM_VALUE = 'The IdP URL cannot be edited after the application is '
  + 'created. Delete the application and create it again to use a different IdP URL.';

export function toApplication(row: AppRow): Application {
  return {
    id: row.id,
    connector: row.connector,
    customValue: row.custom_value,
    label: row.label,
    description: row.description,
    portalImage: row.portal_image,
    portalColor: row.portal_color,
    portalLogo: row.portal_logo,
    showInPortal: row.show_in_portal === 1,
    ssoActive: row.sso_active === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function inputColumns(input: ApplicationInput): Partial<AppRow> {
  const columns: Partial<AppRow> = {};
  if (input.label !== undefined) columns.label = input.label;
  if (input.description !== undefined) columns.description = input.description;
  if (input.portalImage !== undefined) columns.portal_image = input.portalImage;
  if (input.portalColor !== undefined) columns.portal_color = input.portalColor;
  if (input.portalLogo !== undefined) columns.portal_logo = input.portalLogo;
  if (input.showInPortal !== undefined) columns.show_in_portal = input.showInPortal ? 1 : 0;
  return columns;
}

/**
 * What the caller of `create` prepared before the transaction (a generated key pair,
 * say), handed unchanged to every creation hook.
 */
export type Prepared = Readonly<Record<string, unknown>>;

type CreateHook = (trx: Db, app: Application, connector: Connector, prepared: Prepared) =>
  Promise<void>;

/**
 * Configured applications and the user groups bound to them. Other parts keep their
 * per-application settings in their own tables, keyed by the application id, and hook
 * into creation and deletion through `onCreate` and `onGone`.
 */
export class ApplicationService {
  private readonly createHooks: CreateHook[] = [];
  private readonly goneHooks: ((applicationId: string) => void)[] = [];

  constructor(private readonly db: Db, private readonly afterCommit: () => void = () => {}) {}

  /**
   * Runs `hook` once an application is gone: its deletion committed, or its creation
   * rolled back. For what the other parts keep outside the database, such as key files.
   */
  onGone(hook: (applicationId: string) => void): void {
    this.goneHooks.push(hook);
  }

  /** Runs `hook` inside the transaction that creates each application. */
  onCreate(hook: CreateHook): void {
    this.createHooks.push(hook);
  }

  async get(id: string): Promise<Application> {
    return toApplication(await this.row(this.db, id));
  }

  async findByCustomValue(customValue: string): Promise<Application | undefined> {
    const row = await this.db.selectFrom('applications').selectAll()
      .where('custom_value', '=', customValue).executeTakeFirst();
    return row && toApplication(row);
  }

  /**
   * Applications ordered by label; `q` keeps those whose label, IdP URL value or connector
   * contains it in any letter case. Matched here, not in SQL: SQLite's lower() folds
   * ASCII letters only, and a directory has few applications.
   */
  async list(q?: string): Promise<Application[]> {
    const rows = await this.db.selectFrom('applications').selectAll().orderBy('label')
      .execute();
    const apps = rows.map(toApplication);
    if (!q) return apps;
    const text = q.toLowerCase();
    return apps.filter((app) => [app.label, app.customValue, app.connector]
      .some((value) => value.toLowerCase().includes(text)));
  }

  async create(connectorId: string, input: ApplicationInput & { customValue?: string },
    actor: Actor, prepared: Prepared = {}): Promise<Application> {
    const connector = findConnector(connectorId);
    if (!connector) throw badRequest(`Unknown connector "${connectorId}"`);
    const customValue = input.customValue ?? await this.freeCustomValue(
      connector.defaultCustomValue);
    if (!CUSTOM_VALUE.test(customValue)) {
      throw badRequest('The IdP URL value may hold lower-case letters, digits and hyphens only',
        { fields: { customValue: 'lower-case letters, digits and inner hyphens, at most 64' } });
    }
    const id = randomUUID();
    const time = now();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('applications').values({
          id, connector: connector.id, custom_value: customValue, label: connector.name,
          description: '', portal_image: 'color', portal_color: '#3b5bdb', portal_logo: null,
          show_in_portal: 1, sso_active: 1, created_at: time, updated_at: time,
          ...inputColumns(input),
        }).execute();
        const app = toApplication(await this.row(trx, id));
        for (const hook of this.createHooks) await hook(trx, app, connector, prepared);
        await recordEvent(trx, {
          type: 'application_create', initiator: actor, outcome: 'success',
          resource: { type: 'application', id, name: app.label }, applicationId: id,
          details: { connector: connector.id, customValue },
        });
      });
    } catch (error) {
      // Rolled back: what hooks left outside the database (key files) goes too.
      for (const hook of this.goneHooks) hook(id);
      if (isUniqueViolation(error)) {
        throw conflict(`The IdP URL value "${customValue}" is already used by another `
          + 'application', 'duplicate_custom_value');
      }
      throw error;
    }
    return this.get(id);
  }

  async update(id: string, input: ApplicationInput & { customValue?: string }, actor: Actor):
    Promise<Application> {
    await this.db.transaction().execute(async (trx) => {
      const before = await this.row(trx, id);
      if (input.customValue !== undefined && input.customValue !== before.custom_value) {
        throw new HttpError(409, 'custom_value_immutable', IMMUTABLE_CUSTOM_VALUE);
      }
      const columns = inputColumns(input);
      if (Object.keys(columns).length === 0) return;
      await trx.updateTable('applications').set({ ...columns, updated_at: now() })
        .where('id', '=', id).execute();
      await recordEvent(trx, {
        type: 'application_update', initiator: actor, outcome: 'success',
        resource: { type: 'application', id, name: input.label ?? before.label },
        applicationId: id, details: { changed: Object.keys(input) },
      });
    });
    return this.get(id);
  }

  async setSsoActive(id: string, active: boolean, actor: Actor): Promise<Application> {
    await this.db.transaction().execute(async (trx) => {
      const before = await this.row(trx, id);
      await trx.updateTable('applications').set({ sso_active: active ? 1 : 0, updated_at: now() })
        .where('id', '=', id).execute();
      await recordEvent(trx, {
        type: active ? 'sso_activate' : 'sso_deactivate', initiator: actor, outcome: 'success',
        resource: { type: 'application', id, name: before.label }, applicationId: id,
      });
    });
    return this.get(id);
  }

  /** Deletes the application; tables keyed by it go with it (foreign keys cascade). */
  async delete(id: string, actor: Actor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const before = await this.row(trx, id);
      const bindings = await trx.selectFrom('app_group_bindings').select('group_id')
        .where('application_id', '=', id).execute();
      await trx.deleteFrom('app_group_bindings').where('application_id', '=', id).execute();
      await trx.deleteFrom('applications').where('id', '=', id).execute();
      await recordEvent(trx, {
        type: 'application_delete', initiator: actor, outcome: 'success',
        resource: { type: 'application', id, name: before.label }, applicationId: id,
        details: { customValue: before.custom_value, groups: bindings.length },
      });
    });
    for (const hook of this.goneHooks) hook(id);
    this.afterCommit();
  }

  async boundGroupIds(applicationId: string): Promise<string[]> {
    await this.row(this.db, applicationId);
    const rows = await this.db.selectFrom('app_group_bindings').select('group_id')
      .where('application_id', '=', applicationId).execute();
    return rows.map((r) => r.group_id);
  }

  async applicationsOfGroup(groupId: string): Promise<Application[]> {
    const rows = await this.db.selectFrom('applications').selectAll()
      .where('id', 'in', this.db.selectFrom('app_group_bindings').select('application_id')
        .where('group_id', '=', groupId))
      .orderBy('label').execute();
    return rows.map(toApplication);
  }

  /** Applications the user reaches through a bound group (whatever the user's status). */
  async applicationsOfUser(userId: string): Promise<Application[]> {
    const rows = await this.db.selectFrom('applications').selectAll()
      .where('id', 'in', this.db.selectFrom('app_group_bindings')
        .innerJoin('group_members', 'group_members.group_id', 'app_group_bindings.group_id')
        .select('app_group_bindings.application_id')
        .where('group_members.user_id', '=', userId))
      .orderBy('label').execute();
    return rows.map(toApplication);
  }

  /** True when the user is a member of at least one group bound to the application. */
  async isBound(applicationId: string, userId: string): Promise<boolean> {
    const row = await this.db.selectFrom('app_group_bindings')
      .innerJoin('group_members', 'group_members.group_id', 'app_group_bindings.group_id')
      .select('group_members.user_id')
      .where('app_group_bindings.application_id', '=', applicationId)
      .where('group_members.user_id', '=', userId).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async bind(applicationId: string, groupId: string, actor: Actor): Promise<void> {
    await this.changeBinding(applicationId, groupId, actor, true);
  }

  async unbind(applicationId: string, groupId: string, actor: Actor): Promise<void> {
    await this.changeBinding(applicationId, groupId, actor, false);
  }

  private async changeBinding(applicationId: string, groupId: string, actor: Actor,
    bound: boolean): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const app = await this.row(trx, applicationId);
      const group = await trx.selectFrom('user_groups').select(['id', 'name'])
        .where('id', '=', groupId).executeTakeFirst();
      if (!group) throw notFound('Group');
      await writeBinding(trx, app, group, bound, actor);
    });
    this.afterCommit();
  }

  /**
   * Binds and unbinds groups of one application in one transaction: every change is
   * made or none. Throws 404 for an unknown application and 400 `unknown_group` when an
   * id names no group (nothing is changed then).
   */
  async changeGroupsOfApplication(applicationId: string, change: BindingChange,
    actor: Actor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const app = await this.row(trx, applicationId);
      const groups = await knownRows(trx, 'user_groups', idsOf(change), 'unknown_group',
        'group');
      for (const [groupId, bound] of orderedChanges(change)) {
        await writeBinding(trx, app, groups.get(groupId)!, bound, actor);
      }
    });
    this.afterCommit();
  }

  /**
   * Binds and unbinds applications of one group in one transaction. Throws 404 for an
   * unknown group and 400 `unknown_application` when an id names no application
   * (nothing is changed then).
   */
  async changeApplicationsOfGroup(groupId: string, change: BindingChange, actor: Actor):
    Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const group = await trx.selectFrom('user_groups').select(['id', 'name'])
        .where('id', '=', groupId).executeTakeFirst();
      if (!group) throw notFound('Group');
      const apps = await knownRows(trx, 'applications', idsOf(change),
        'unknown_application', 'application');
      for (const [applicationId, bound] of orderedChanges(change)) {
        const app = apps.get(applicationId)!;
        await writeBinding(trx, { id: app.id, label: app.name }, group, bound, actor);
      }
    });
    this.afterCommit();
  }

  private async freeCustomValue(base: string): Promise<string> {
    const taken = new Set((await this.db.selectFrom('applications').select('custom_value')
      .where('custom_value', 'like', `${base}%`).execute()).map((r) => r.custom_value));
    if (!taken.has(base)) return base;
    let n = 2;
    while (taken.has(`${base}-${n}`)) n += 1;
    return `${base}-${n}`;
  }

  private async row(db: Db, id: string): Promise<AppRow> {
    const row = await db.selectFrom('applications').selectAll().where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Application');
    return row;
  }
}

/** Ids to bind and ids to unbind; an id in both is bound (the later word). */
export interface BindingChange {
  bind: string[];
  unbind: string[];
}

function idsOf(change: BindingChange): string[] {
  return [...change.bind, ...change.unbind];
}

/** Each id once: true to bind, false to unbind. */
function orderedChanges(change: BindingChange): [string, boolean][] {
  const result = new Map<string, boolean>();
  for (const id of change.unbind) result.set(id, false);
  for (const id of change.bind) result.set(id, true);
  return [...result];
}

/**
 * The rows (id and name) behind `ids`; throws 400 with `code` naming the first id that
 * is unknown, so a stale or forged form changes nothing.
 */
async function knownRows(trx: Db, table: 'user_groups' | 'applications', ids: string[],
  code: string, what: string): Promise<Map<string, { id: string; name: string }>> {
  const unique = [...new Set(ids)];
  const rows = unique.length === 0 ? [] : table === 'user_groups'
    ? await trx.selectFrom('user_groups').select(['id', 'name']).where('id', 'in', unique)
      .execute()
    : await trx.selectFrom('applications').select(['id', 'label as name'])
      .where('id', 'in', unique).execute();
  const found = new Map(rows.map((r) => [r.id, r]));
  const missing = unique.find((id) => !found.has(id));
  if (missing !== undefined) {
    throw new HttpError(400, code, `One of the ${what}s sent no longer exists: nothing `
      + 'was saved. Reload the page and try again.', { id: missing });
  }
  return found;
}

/** Binds or unbinds one group, with its event and feed entry; a no-op when so already. */
async function writeBinding(trx: Db, app: Pick<AppRow, 'id' | 'label'>,
  group: { id: string; name: string }, bound: boolean, actor: Actor): Promise<void> {
  const existing = await trx.selectFrom('app_group_bindings').select('group_id')
    .where('application_id', '=', app.id).where('group_id', '=', group.id)
    .executeTakeFirst();
  if (bound === (existing !== undefined)) return;
  if (bound) {
    await trx.insertInto('app_group_bindings').values({
      application_id: app.id, group_id: group.id, created_at: now() }).execute();
  } else {
    await trx.deleteFrom('app_group_bindings').where('application_id', '=', app.id)
      .where('group_id', '=', group.id).execute();
  }
  await recordEvent(trx, {
    type: bound ? 'application_group_bind' : 'application_group_unbind',
    initiator: actor, outcome: 'success', applicationId: app.id, groupId: group.id,
    resource: { type: 'application', id: app.id, name: app.label },
    details: { group: group.name },
  });
  await appendChange(trx, bound ? 'binding.added' : 'binding.removed', { groupId: group.id },
    { applicationId: app.id });
}

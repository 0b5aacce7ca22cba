import { randomUUID } from 'node:crypto';
import { type RawBuilder, type Selectable, type SqlBool, sql } from 'kysely';
import { HttpError, badRequest, conflict, notFound } from '../http/errors.js';
import { type Actor, recordEvent } from '../insights/events.js';
import { type Db, isUniqueViolation, now } from '../store/db.js';
import type { UsersTable } from '../store/schema.js';
import { appendChange } from './feed.js';
import { endSessionsOfUser } from '../http/session.js';
import { hashPassword } from './passwords.js';

/** A directory user as the API and other modules see it; never the password hash. */
export interface User {
  id: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
  jobTitle: string;
  department: string;
  preferredLanguage: string;
  status: 'active' | 'suspended';
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface UserProfile {
  username: string;
  email: string;
  firstName?: string;
  lastName?: string;
  displayName?: string;
  jobTitle?: string;
  department?: string;
  preferredLanguage?: string;
}

export interface UserQuery {
  /** Exact username, any letter case. */
  username?: string;
  /** Exact email, any letter case. */
  email?: string;
  /** Start of the first, last or display name, any letter case. */
  name?: string;
  /** Start of the username, email, or first, last or display name, any letter case. */
  q?: string;
  status?: 'active' | 'suspended';
  limit: number;
  offset: number;
}

type UserRow = Selectable<UsersTable>;

/** The API form of a user row: never the password hash. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    jobTitle: row.job_title,
    department: row.department,
    preferredLanguage: row.preferred_language,
    status: row.status,
    hasPassword: row.password_hash !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const PROFILE_COLUMNS = {
  firstName: 'first_name', lastName: 'last_name', displayName: 'display_name',
  jobTitle: 'job_title', department: 'department', preferredLanguage: 'preferred_language',
} as const;

/** Names a search matches; each has a lower-case column JavaScript fills (see below). */
const NAME_COLUMNS = ['first_name', 'last_name', 'display_name'] as const;

/**
 * Text in Unicode's composed form (NFC). An "é" typed as "e" and a combining accent is
 * then stored, and searched for, as the one character most keyboards send; without it
 * the two spellings look alike and never match.
 */
export function composed(text: string): string {
  return text.normalize('NFC');
}

function profileColumns(profile: Partial<UserProfile>): Partial<UserRow> {
  const columns: Partial<UserRow> = {};
  if (profile.username !== undefined) {
    columns.username = composed(profile.username);
    columns.username_lc = columns.username.toLowerCase();
  }
  if (profile.email !== undefined) {
    columns.email = composed(profile.email);
    columns.email_lc = columns.email.toLowerCase();
  }
  for (const [key, column] of Object.entries(PROFILE_COLUMNS)) {
    const value = profile[key as keyof typeof PROFILE_COLUMNS];
    if (value !== undefined) columns[column] = composed(value);
  }
  for (const column of NAME_COLUMNS) {
    const value = columns[column];
    if (value !== undefined) columns[`${column}_lc`] = value.toLowerCase();
  }
  return columns;
}


/*
 * The lower-case forms a search matches by their start. Each has an index (migration
 * 0008-folded-names for the names), so a search walks a short index range; matching text
 * anywhere inside would read all rows, over 100 ms at 100,000 users. The forms are
 * folded by JavaScript when written: SQLite's lower() leaves "É" as it is.
 */
const LOGIN_FORMS = [sql<string>`username_lc`, sql<string>`email_lc`];
const NAME_FORMS = NAME_COLUMNS.map((column) => sql<string>`${sql.ref(`${column}_lc`)}`);

const LOGIN_FIELDS = [['username_lc', 'username'], ['email_lc', 'email']] as const;

/**
 * Refuses a username or email that another user holds, in any letter case and in either
 * column: sign-in accepts both, so "ada@example.com" must name one user only. The unique
 * indexes stay the last word when two writers race.
 */
async function assertLoginFree(trx: Db, columns: Partial<UserRow>, exceptId?: string):
  Promise<void> {
  for (const [column, field] of LOGIN_FIELDS) {
    const value = columns[column];
    if (value === undefined) continue;
    let query = trx.selectFrom('users').select('id')
      .where((eb) => eb.or([eb('username_lc', '=', value), eb('email_lc', '=', value)]));
    if (exceptId) query = query.where('id', '<>', exceptId);
    if (await query.executeTakeFirst()) throw duplicateUser(field);
  }
}

/** The 409 for a username or email another user holds, naming the field. */
function duplicateUser(field: 'username' | 'email'): HttpError {
  return new HttpError(409, 'duplicate_user', `A user with this ${field} already exists`,
    { fields: { [field]: 'already taken (letter case is ignored)' } });
}

/**
 * The field whose unique index refused a write. Two writers can both pass
 * assertLoginFree before either commits (PostgreSQL runs them side by side); the index
 * then refuses the second, and the answer must still name the field. PostgreSQL names
 * the constraint, SQLite the column in its message.
 */
function duplicateFieldOf(error: unknown): 'username' | 'email' | null {
  const e = error as { constraint?: string; detail?: string; message?: string } | null;
  const text = `${e?.constraint ?? ''} ${e?.detail ?? ''} ${e?.message ?? ''}`;
  if (text.includes('email_lc')) return 'email';
  if (text.includes('username_lc')) return 'username';
  return null;
}

/** Adds the new user to one group of the create request; 400 when the group is unknown. */
async function joinListedGroup(trx: Db, groupId: string, index: number, userId: string,
  actor: Actor): Promise<void> {
  const group = await trx.selectFrom('user_groups').select('id').where('id', '=', groupId)
    .executeTakeFirst();
  if (!group) {
    throw badRequest('A listed group does not exist',
      { fields: { [`groupIds.${index}`]: 'no such group' } });
  }
  await addMembership(trx, groupId, userId, actor);
}

/**
 * SQL condition: `form` starts with `text`, any letter case. The range lets the database
 * walk the form's index; the LIKE keeps the answer exact where the collation does not
 * order text byte by byte. `%`, `_` and `\\` in `text` match themselves.
 */
function startsWith(form: RawBuilder<string>, text: string): RawBuilder<SqlBool> {
  const low = text.toLowerCase();
  const pattern = `${low.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`${form} >= ${low} and ${form} < ${`${low}\u{10FFFF}`}
    and ${form} like ${pattern} escape '\\'`;
}

/** The query with its search texts composed as stored texts are (see `composed`). */
function composedQuery(query: UserQuery): UserQuery {
  const texts = (['username', 'email', 'name', 'q'] as const)
    .filter((key) => query[key] !== undefined)
    .map((key) => [key, composed(query[key]!)]);
  return { ...query, ...Object.fromEntries(texts) };
}

/** Users, groups and memberships change only through these services. */
export class UserService {
  /**
   * @param afterCommit called after every committed change, so the provisioning worker
   *   can pick up the new feed entries at once instead of at its next poll.
   */
  constructor(
    private readonly db: Db,
    private readonly passwordCost: number,
    private readonly afterCommit: () => void = () => {},
  ) {}

  async get(id: string): Promise<User> {
    return toUser(await this.row(this.db, id));
  }

  async findByLogin(login: string): Promise<UserRow | undefined> {
    const lc = composed(login).toLowerCase();
    return this.db.selectFrom('users').selectAll()
      .where((eb) => eb.or([eb('username_lc', '=', lc), eb('email_lc', '=', lc)]))
      .executeTakeFirst();
  }

  async list(search: UserQuery): Promise<{ items: User[]; total: number }> {
    const query = composedQuery(search);
    const { keys, total } = query.q || query.name
      ? await this.searchPage(query) : await this.browsePage(query);
    if (keys.length === 0) return { items: [], total };
    // Only the page's rows are read in full; finding them took indexes alone.
    const rows = await this.db.selectFrom('users').selectAll()
      .where('username_lc', 'in', keys).orderBy('username_lc').execute();
    return { items: rows.map(toUser), total };
  }

  /**
   * Keys of one page of a text search, and the total. The window count comes from the
   * same pass as the page, so the united index ranges are read once, not twice.
   */
  private async searchPage(query: UserQuery): Promise<{ keys: string[]; total: number }> {
    const page = await this.db.selectFrom(this.matching(query).as('m'))
      .select((eb) => ['m.username_lc', eb.fn.countAll<number>().over().as('n')])
      .orderBy('m.username_lc').limit(query.limit).offset(query.offset).execute();
    const total = page[0] ? Number(page[0].n) : await this.count(query);
    return { keys: page.map((row) => row.username_lc), total };
  }

  /**
   * Keys of one page without a text search, and the total. A window count would carry
   * every row along; a separate count is cheaper here.
   */
  private async browsePage(query: UserQuery): Promise<{ keys: string[]; total: number }> {
    const [page, total] = await Promise.all([
      this.matching(query).orderBy('username_lc').limit(query.limit).offset(query.offset)
        .execute(),
      this.count(query),
    ]);
    return { keys: page.map((row) => row.username_lc), total };
  }

  /** How many users the query selects. */
  private async count(query: UserQuery): Promise<number> {
    const row = await this.db.selectFrom(this.matching(query).as('m'))
      .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }


  async create(profile: UserProfile & { password?: string }, actor: Actor,
    groupIds: string[] = []): Promise<User> {
    const id = randomUUID();
    const time = now();
    const passwordHash = profile.password
      ? await hashPassword(profile.password, this.passwordCost) : null;
    const columns = profileColumns(profile);
    await this.write(async (trx) => {
      await assertLoginFree(trx, columns);
      await trx.insertInto('users').values({
        id, status: 'active', password_hash: passwordHash, created_at: time, updated_at: time,
        first_name: '', last_name: '', display_name: '', job_title: '', department: '',
        preferred_language: '', first_name_lc: '', last_name_lc: '', display_name_lc: '',
        ...(columns as Pick<UserRow, 'username' | 'username_lc' | 'email'
          | 'email_lc'>),
      }).execute();
      await recordEvent(trx, {
        type: 'user_create', initiator: actor, outcome: 'success',
        resource: { type: 'user', id, name: profile.username },
      });
      await appendChange(trx, 'user.created', { userId: id });
      // Steps after the user row: an unknown group here rolls back the user, its event
      // and its feed entry together.
      for (const [index, groupId] of groupIds.entries()) {
        await joinListedGroup(trx, groupId, index, id, actor);
      }
    });
    return this.get(id);
  }

  async update(id: string, profile: Partial<UserProfile>, actor: Actor): Promise<User> {
    await this.write(async (trx) => {
      const before = await this.row(trx, id);
      const columns = profileColumns(profile);
      const changed = Object.keys(columns).filter((column) =>
        !column.endsWith('_lc') && columns[column as keyof UserRow]
          !== before[column as keyof UserRow]);
      if (changed.length === 0) return;
      await assertLoginFree(trx, columns, id);
      await trx.updateTable('users').set({ ...columns, updated_at: now() })
        .where('id', '=', id).execute();
      await recordEvent(trx, {
        type: 'user_update', initiator: actor, outcome: 'success',
        resource: { type: 'user', id, name: profile.username ?? before.username },
        details: { changed },
      });
      await appendChange(trx, 'user.updated', { userId: id }, { changed });
    });
    return this.get(id);
  }

  async setStatus(id: string, status: 'active' | 'suspended', actor: Actor): Promise<User> {
    await this.write(async (trx) => {
      const before = await this.row(trx, id);
      if (before.status === status) return;
      await trx.updateTable('users').set({ status, updated_at: now() })
        .where('id', '=', id).execute();
      const verb = status === 'active' ? 'activate' : 'suspend';
      await recordEvent(trx, {
        type: `user_${verb}`, initiator: actor, outcome: 'success',
        resource: { type: 'user', id, name: before.username },
      });
      await appendChange(trx, status === 'active' ? 'user.activated' : 'user.suspended',
        { userId: id });
    });
    return this.get(id);
  }

  async setPassword(id: string, password: string, actor: Actor): Promise<void> {
    const passwordHash = await hashPassword(password, this.passwordCost);
    await this.write(async (trx) => {
      const before = await this.row(trx, id);
      await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now() })
        .where('id', '=', id).execute();
      await endSessionsOfUser(trx, id);
      await recordEvent(trx, {
        type: 'user_password_set', initiator: actor, outcome: 'success',
        resource: { type: 'user', id, name: before.username },
      });
    });
  }

  /** Deletes the user and its memberships; the feed entry keeps what provisioning needs. */
  async delete(id: string, actor: Actor): Promise<void> {
    await this.write(async (trx) => {
      const before = await this.row(trx, id);
      const groups = await trx.selectFrom('group_members').select('group_id')
        .where('user_id', '=', id).execute();
      await trx.deleteFrom('group_members').where('user_id', '=', id).execute();
      await trx.deleteFrom('users').where('id', '=', id).execute();
      await endSessionsOfUser(trx, id);
      await recordEvent(trx, {
        type: 'user_delete', initiator: actor, outcome: 'success',
        resource: { type: 'user', id, name: before.username },
      });
      await appendChange(trx, 'user.deleted', { userId: id }, {
        username: before.username, email: before.email,
        groupIds: groups.map((g) => g.group_id),
      });
    });
  }

  /**
   * The lower-case username (unique, so a key) of every user the query selects. A text
   * search is one branch per searched form, each walking one index range, united.
   */
  private matching(query: UserQuery) {
    const filtered = () => {
      let base = this.db.selectFrom('users').select('username_lc');
      if (query.username) base = base.where('username_lc', '=', query.username.toLowerCase());
      if (query.email) base = base.where('email_lc', '=', query.email.toLowerCase());
      if (query.status) base = base.where('status', '=', query.status);
      if (query.q && query.name) {
        base = base.where('username_lc', 'in', this.startingWith(NAME_FORMS, query.name));
      }
      return base;
    };
    const text = query.q || query.name;
    if (!text) return filtered();
    const forms = query.q ? [...LOGIN_FORMS, ...NAME_FORMS] : NAME_FORMS;
    const [first, ...rest] = forms.map((form) => filtered().where(startsWith(form, text)));
    return rest.reduce((all, next) => all.union(next), first!);
  }

  /** Keys of users one of whose `forms` starts with `text`. */
  private startingWith(forms: RawBuilder<string>[], text: string) {
    const [first, ...rest] = forms.map((form) => this.db.selectFrom('users')
      .select('username_lc').where(startsWith(form, text)));
    return rest.reduce((all, next) => all.union(next), first!);
  }


  private async row(db: Db, id: string): Promise<UserRow> {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('User');
    return row;
  }

  private async write(change: (trx: Db) => Promise<void>): Promise<void> {
    try {
      await this.db.transaction().execute(change);
    } catch (error) {
      if (isUniqueViolation(error)) {
        const field = duplicateFieldOf(error);
        if (field) throw duplicateUser(field);
        throw conflict('A user with this username or email already exists', 'duplicate_user');
      }
      throw error;
    }
    this.afterCommit();
  }
}

/** Adds a membership inside the caller's transaction; a no-op when it exists already. */
export async function addMembership(trx: Db, groupId: string, userId: string, actor: Actor):
  Promise<boolean> {
  const group = await trx.selectFrom('user_groups').select(['id', 'name'])
    .where('id', '=', groupId).executeTakeFirst();
  if (!group) throw notFound('Group');
  const user = await trx.selectFrom('users').select(['id', 'username'])
    .where('id', '=', userId).executeTakeFirst();
  if (!user) throw notFound('User');
  const existing = await trx.selectFrom('group_members').select('user_id')
    .where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
  if (existing) return false;
  await trx.insertInto('group_members')
    .values({ group_id: groupId, user_id: userId, created_at: now() }).execute();
  await recordEvent(trx, {
    type: 'group_member_add', initiator: actor, outcome: 'success',
    resource: { type: 'group', id: groupId, name: group.name }, userId,
    details: { username: user.username },
  });
  await appendChange(trx, 'membership.added', { userId, groupId });
  return true;
}

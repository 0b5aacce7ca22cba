import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { type Db, openDatabase } from '../../src/store/db.js';
import type { GroupMembersTable, UserGroupsTable, UsersTable } from '../../src/store/schema.js';

/*
 * Fills a data directory through the service's own store (same schema, same migrations)
 * in a few large transactions, before the service starts on it: 100,000 API calls would
 * measure the API, not the size.
 */

/*
 * Names are built from syllables, so that, as in a real staff list, no single name is
 * shared by more than about one person in a hundred.
 */
const SYLLABLES = ['ka', 'ri', 'to', 'mi', 'an', 'el', 'sa', 'no', 'lu', 'de', 'vo', 'ben'];
const FIRST = SYLLABLES.flatMap((a) => SYLLABLES.map((b) => capitalize(a + b)));
const LAST = SYLLABLES.flatMap((a) => SYLLABLES.flatMap((b) =>
  ['son', 'ner', 'ski', 'ez', 'ova'].map((c) => capitalize(a + b + c))));
const DEPARTMENTS = ['Engineering', 'Sales', 'Support', 'Finance', 'Legal', 'Marketing'];
/** Rows per INSERT: 15 columns each stays far below SQLite's bound-parameter limit. */
const CHUNK = 500;

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export interface SeededUser { username: string; email: string; lastName: string }

/**
 * The user number `i` of a seeded directory, the same in every run. With `emailLogin`
 * the username is the email address, as applications such as Asana require.
 */
export function seededUser(i: number, emailLogin = false): SeededUser {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[(i * 7) % LAST.length]!;
  const name = `${first}.${last}.${i}`.toLowerCase();
  const email = `${name}@example.com`;
  return { username: emailLogin ? email : name, email, lastName: last };
}

function userRow(i: number, time: string, emailLogin: boolean): Insertable<UsersTable> {
  const { username, email, lastName } = seededUser(i, emailLogin);
  const firstName = capitalize(username.split('.')[0]!);
  return {
    id: randomUUID(), username, username_lc: username, email, email_lc: email,
    first_name: firstName, last_name: lastName, display_name: `${firstName} ${lastName}`,
    first_name_lc: firstName.toLowerCase(), last_name_lc: lastName.toLowerCase(),
    display_name_lc: `${firstName} ${lastName}`.toLowerCase(),
    job_title: 'Staff', department: DEPARTMENTS[i % DEPARTMENTS.length]!,
    preferred_language: 'en', status: 'active', password_hash: null,
    created_at: time, updated_at: time,
  };
}

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>):
  Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    await insert(rows.slice(start, start + CHUNK));
  }
}

/**
 * Adds `users` users and `groups` groups to the directory in `dataDir`, each user a member
 * of `groupsPerUser` groups. Returns the ids of the users and groups created.
 */
export async function seedDirectory(dataDir: string, counts: { users: number; groups: number;
  groupsPerUser: number; emailLogin?: boolean }):
  Promise<{ userIds: string[]; groupIds: string[] }> {
  const database = await openDatabase({ dataDir, databaseUrl: null });
  try {
    const time = new Date().toISOString();
    const users = Array.from({ length: counts.users }, (_, i) =>
      userRow(i, time, counts.emailLogin ?? false));
    const groups: Insertable<UserGroupsTable>[] = Array.from({ length: counts.groups },
      (_, i) => ({ id: randomUUID(), name: `Team ${i}`, name_lc: `team ${i}`,
        description: '', created_at: time, updated_at: time }));
    const members = memberships(users, groups, counts.groupsPerUser, time);
    await database.db.transaction().execute(async (trx: Db) => {
      await insertChunked(users, (chunk) => trx.insertInto('users').values(chunk).execute());
      await insertChunked(groups,
        (chunk) => trx.insertInto('user_groups').values(chunk).execute());
      await insertChunked(members,
        (chunk) => trx.insertInto('group_members').values(chunk).execute());
    });
    return { userIds: users.map((u) => u.id), groupIds: groups.map((g) => g.id) };
  } finally {
    await database.close();
  }
}

function memberships(users: Insertable<UsersTable>[], groups: Insertable<UserGroupsTable>[],
  perUser: number, time: string): Insertable<GroupMembersTable>[] {
  const rows: Insertable<GroupMembersTable>[] = [];
  users.forEach((user, i) => {
    for (let k = 0; k < perUser; k += 1) {
      const group = groups[(i + k * 37) % groups.length]!;
      rows.push({ group_id: group.id, user_id: user.id, created_at: time });
    }
  });
  return rows;
}

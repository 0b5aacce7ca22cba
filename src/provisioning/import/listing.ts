import type { Db } from '../../store/db.js';
import { emailOf, isActiveInApplication, type ScimUser } from './mapping.js';

/** New: no directory user has its userName or email. Imported: one does. */
export type ImportStatus = 'new' | 'imported';

/** One application user offered for import. */
export interface ImportCandidate {
  /** The application's id for the user (SCIM id). */
  id: string;
  userName: string;
  email: string | null;
  displayName: string;
  status: ImportStatus;
  /** The matching directory user, when Imported. */
  directoryUserId: string | null;
}

export interface ImportListing {
  items: ImportCandidate[];
  counts: { new: number; imported: number; suspendedNotOffered: number };
}

const LOOKUP_CHUNK = 200;

/** The user's userName and email, lower-cased: what a directory user is matched on. */
export function loginsOf(user: ScimUser): string[] {
  const email = emailOf(user);
  return [user.userName, ...(email ? [email] : [])].map((v) => v.toLowerCase());
}

/**
 * Finds directory users whose username or email equals one of the given values, in any
 * letter case. Returns each lower-cased value that matched, with the user's id.
 */
export async function directoryMatches(db: Db, logins: string[]): Promise<Map<string, string>> {
  const matches = new Map<string, string>();
  const unique = [...new Set(logins)];
  for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) {
    const chunk = unique.slice(i, i + LOOKUP_CHUNK);
    const rows = await db.selectFrom('users').select(['id', 'username_lc', 'email_lc'])
      .where((eb) => eb.or([eb('username_lc', 'in', chunk), eb('email_lc', 'in', chunk)]))
      .execute();
    for (const row of rows) {
      matches.set(row.username_lc, row.id);
      matches.set(row.email_lc, row.id);
    }
  }
  return matches;
}

/** The directory user matching the application user's userName or email, if any. */
export function matchOf(user: ScimUser, matches: Map<string, string>): string | null {
  for (const login of loginsOf(user)) {
    const id = matches.get(login);
    if (id) return id;
  }
  return null;
}

function toCandidate(user: ScimUser, directoryUserId: string | null): ImportCandidate {
  return {
    id: user.id,
    userName: user.userName,
    email: emailOf(user) ?? null,
    displayName: user.displayName ?? user.name?.formatted ?? '',
    status: directoryUserId ? 'imported' : 'new',
    directoryUserId,
  };
}

/**
 * Marks each application user New or Imported. Users suspended in the application are
 * left out: they are never offered, so they can never be created by mistake.
 * With `newOnly` the Imported ones are left out too.
 */
export async function buildListing(db: Db, appUsers: ScimUser[], newOnly: boolean):
  Promise<ImportListing> {
  const active = appUsers.filter(isActiveInApplication);
  const matches = await directoryMatches(db, active.flatMap(loginsOf));
  const all = active.map((user) => toCandidate(user, matchOf(user, matches)))
    .sort((a, b) => a.userName.toLowerCase().localeCompare(b.userName.toLowerCase()));
  const newCount = all.filter((c) => c.status === 'new').length;
  return {
    items: newOnly ? all.filter((c) => c.status === 'new') : all,
    counts: { new: newCount, imported: all.length - newCount,
      suspendedNotOffered: appUsers.length - active.length },
  };
}

import { z } from 'zod';
import { usernameSchema } from '../../admin/users-api.js';
import type { UserProfile } from '../../directory/users.js';
import { type EmailValue, heldAttributes, type ScimUserResource, USER_MAPPINGS } from
  '../mappings.js';

/**
 * The reverse of the export attribute mapping: each SCIM attribute the product sends
 * lands back on the directory property it is sent from, so a user imported and later
 * provisioned is sent the values it came with. Derived from the mapping table itself.
 */

/** An application's SCIM user as import reads it; userName is always present. */
export type ScimUser = ScimUserResource & { userName: string };

type ProfileKey = keyof UserProfile;

const PROFILE_KEYS: readonly ProfileKey[] = ['username', 'email', 'firstName', 'lastName',
  'displayName', 'jobTitle', 'department', 'preferredLanguage'];

/** SCIM path to profile property, for every mapping fed by exactly one property. */
const REVERSE: [string, ProfileKey][] = USER_MAPPINGS
  .filter((m) => (PROFILE_KEYS as readonly string[]).includes(m.source))
  .map((m) => [m.scim, m.source as ProfileKey]);

/** True unless the application says the user is inactive (suspended there). */
export function isActiveInApplication(user: ScimUser): boolean {
  return user.active !== false;
}

/** The user's primary email, else its first one, else its userName when that is one. */
export function emailOf(user: ScimUser): string | undefined {
  const emails = heldAttributes(user).emails as EmailValue[] | null;
  if (emails?.[0]?.value) return emails[0].value;
  return user.userName.includes('@') ? user.userName : undefined;
}

/** A formatted name split at its first space, for users that carry no name parts. */
function splitFormatted(formatted: string): Partial<UserProfile> {
  const [first, ...rest] = formatted.trim().split(/\s+/);
  return { firstName: first, ...(rest.length > 0 ? { lastName: rest.join(' ') } : {}) };
}

/** The directory properties the application's attributes give, before validation. */
function reverseMapped(user: ScimUser): Partial<Record<ProfileKey, string>> {
  const held = heldAttributes(user);
  const profile: Partial<Record<ProfileKey, string>> = {};
  for (const [path, key] of REVERSE) {
    const value = held[path];
    if (typeof value === 'string') profile[key] = value;
  }
  const email = emailOf(user);
  if (email) profile.email = email;
  const formatted = held['name.formatted'];
  if (!profile.firstName && !profile.lastName && typeof formatted === 'string') {
    Object.assign(profile, splitFormatted(formatted));
  }
  return profile;
}

const text = (max: number) => z.string().trim().max(max).optional();

/** The directory's own rules, so an import never stores what the API would refuse. */
const importedProfile = z.object({
  username: usernameSchema,
  email: z.string().trim().max(254).pipe(z.email()),
  firstName: text(100),
  lastName: text(100),
  displayName: text(200),
  jobTitle: text(200),
  department: text(200),
  preferredLanguage: text(35),
});

export type MappedProfile =
  | { ok: true; profile: UserProfile }
  | { ok: false; reason: string };

/** Maps an application user to a directory profile, or says which attribute is unusable. */
export function profileFromScim(user: ScimUser): MappedProfile {
  const parsed = importedProfile.safeParse(reverseMapped(user));
  if (parsed.success) return { ok: true, profile: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'profile';
  return { ok: false, reason: `${field}: ${issue?.message ?? 'not usable'}` };
}

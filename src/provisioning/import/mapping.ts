import { z } from 'zod';
import { usernameSchema } from '../../admin/users-api.js';
import type { UserProfile } from '../../directory/users.js';

/**
 * The reverse of the export attribute mapping: what an application's SCIM user becomes
 * in the directory. Each SCIM attribute lands on the directory property it is exported
 * from, so a user imported and then provisioned back is sent the values it came with.
 */

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The parts of a SCIM 2.0 user that import reads; anything else is ignored. */
export interface ScimUser {
  id: string;
  userName: string;
  active?: boolean;
  displayName?: string;
  title?: string;
  preferredLanguage?: string;
  department?: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  emails?: { value?: string; primary?: boolean; type?: string }[];
  [ENTERPRISE]?: { department?: string };
}

/** True unless the application says the user is inactive (suspended there). */
export function isActiveInApplication(user: ScimUser): boolean {
  return user.active !== false;
}

/** The user's primary email, else its first one, else its userName when that is one. */
export function emailOf(user: ScimUser): string | undefined {
  const emails = (user.emails ?? []).filter((e) => typeof e.value === 'string' && e.value);
  const chosen = emails.find((e) => e.primary) ?? emails[0];
  if (chosen?.value) return chosen.value;
  return user.userName.includes('@') ? user.userName : undefined;
}

/** givenName/familyName, or a formatted name split at its first space. */
function namesOf(user: ScimUser): { firstName?: string; lastName?: string } {
  const { givenName, familyName, formatted } = user.name ?? {};
  if (givenName || familyName) return { firstName: givenName, lastName: familyName };
  if (!formatted?.trim()) return {};
  const [first, ...rest] = formatted.trim().split(/\s+/);
  return { firstName: first, lastName: rest.join(' ') || undefined };
}

const text = (max: number) => z.string().trim().max(max).optional();

/** The directory's own rules for a profile, so an import never stores what the API refuses. */
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
  const candidate = {
    username: user.userName,
    email: emailOf(user),
    ...namesOf(user),
    displayName: user.displayName,
    jobTitle: user.title,
    department: user[ENTERPRISE]?.department ?? user.department,
    preferredLanguage: user.preferredLanguage,
  };
  const parsed = importedProfile.safeParse(candidate);
  if (parsed.success) return { ok: true, profile: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'profile';
  return { ok: false, reason: `invalid ${field}: ${issue?.message ?? 'not usable'}` };
}

import type { User } from '../directory/users.js';
import type { ScimCapabilities } from '../applications/catalog.js';

/*
 * Attribute mappings: which directory property feeds which SCIM attribute. The values
 * the application holds are kept as a flat map from attribute path to value ("sent"),
 * so an update compares two flat maps and sends only the paths that differ.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface EmailValue { value: string; type: string; primary: boolean }

/** A mapped value; null means "no value", which a create omits and an update removes. */
export type MappedValue = string | boolean | EmailValue[] | null;
export type AttributeMap = Record<string, MappedValue>;

export interface AttributeMapping {
  /** SCIM attribute path, e.g. name.givenName. */
  scim: string;
  /** Directory property shown to administrators. */
  source: string;
  required: boolean;
  read(user: User): MappedValue;
}

const orNull = (value: string) => (value.trim() === '' ? null : value);

/** The user attributes the product sends, in the order the admin portal lists them. */
export const USER_MAPPINGS: readonly AttributeMapping[] = [
  { scim: 'userName', source: 'username', required: true, read: (u) => u.username },
  { scim: 'name.givenName', source: 'firstName', required: false,
    read: (u) => orNull(u.firstName) },
  { scim: 'name.familyName', source: 'lastName', required: false,
    read: (u) => orNull(u.lastName) },
  { scim: 'name.formatted', source: 'firstName lastName', required: false,
    read: (u) => orNull(`${u.firstName} ${u.lastName}`.trim()) },
  { scim: 'emails', source: 'email', required: true,
    read: (u) => [{ value: u.email, type: 'work', primary: true }] },
  { scim: 'active', source: 'status', required: true, read: (u) => u.status === 'active' },
  { scim: 'title', source: 'jobTitle', required: false, read: (u) => orNull(u.jobTitle) },
  { scim: 'preferredLanguage', source: 'preferredLanguage', required: false,
    read: (u) => orNull(u.preferredLanguage) },
  { scim: 'department', source: 'department', required: false,
    read: (u) => orNull(u.department) },
  { scim: 'displayName', source: 'displayName', required: false,
    read: (u) => orNull(u.displayName) },
];

/** The one group attribute: the group's name as displayName (required). */
export const GROUP_MAPPINGS = [{ scim: 'displayName', source: 'name', required: true }] as const;

export const OPTIONAL_USER_ATTRIBUTES = USER_MAPPINGS.filter((m) => !m.required)
  .map((m) => m.scim);

/** SCIM path of an attribute in PATCH requests (department lives in the extension). */
function patchPath(scim: string): string {
  return scim === 'department' ? `${ENTERPRISE_SCHEMA}:department` : scim;
}

/** The mapped attributes of a user, leaving out the optional ones excluded. */
export function desiredAttributes(user: User, excluded: readonly string[]): AttributeMap {
  const map: AttributeMap = {};
  for (const mapping of USER_MAPPINGS) {
    if (!mapping.required && excluded.includes(mapping.scim)) continue;
    map[mapping.scim] = mapping.read(user);
  }
  return map;
}

const same = (a: MappedValue | undefined, b: MappedValue | undefined) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Paths whose desired value differs from what the application holds. */
export function changedPaths(desired: AttributeMap, held: AttributeMap): string[] {
  return Object.keys(desired).filter((path) => !same(desired[path], held[path]));
}

/** A SCIM User resource for a create request: only mapped attributes that have a value. */
export function createUserPayload(desired: AttributeMap): Record<string, unknown> {
  const body: Record<string, unknown> = { schemas: [USER_SCHEMA] };
  const name: Record<string, string> = {};
  for (const [path, value] of Object.entries(desired)) {
    if (value === null) continue;
    if (path.startsWith('name.')) name[path.slice(5)] = value as string;
    else if (path === 'department') body[ENTERPRISE_SCHEMA] = { department: value };
    else body[path] = value;
  }
  if (Object.keys(name).length > 0) body.name = name;
  if (body[ENTERPRISE_SCHEMA]) body.schemas = [USER_SCHEMA, ENTERPRISE_SCHEMA];
  return body;
}

export interface PatchOperation { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }

/**
 * PATCH operations for the changed paths, in the form the connector accepts. A
 * connector that takes names only as name.formatted never gets givenName or familyName
 * in an update; the formatted name carries the change.
 */
export function userPatchOperations(desired: AttributeMap, paths: readonly string[],
  capabilities: ScimCapabilities): PatchOperation[] {
  const sendable = capabilities.nameAsFormattedOnly
    ? paths.filter((p) => p !== 'name.givenName' && p !== 'name.familyName') : paths;
  return sendable.map((path) => {
    const value = desired[path] ?? null;
    return value === null ? { op: 'remove', path: patchPath(path) }
      : { op: 'replace', path: patchPath(path), value };
  });
}

/** The attributes an application holds for an account, read from its SCIM resource. */
export function heldAttributes(resource: ScimUserResource): AttributeMap {
  const emails = Array.isArray(resource.emails) ? resource.emails : [];
  const primary = emails.find((e) => e?.primary) ?? emails[0];
  const extension = resource[ENTERPRISE_SCHEMA] as { department?: string } | undefined;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : null);
  return {
    userName: text(resource.userName),
    'name.givenName': text(resource.name?.givenName),
    'name.familyName': text(resource.name?.familyName),
    'name.formatted': text(resource.name?.formatted),
    emails: primary?.value ? [{ value: primary.value, type: 'work', primary: true }] : null,
    active: resource.active !== false,
    title: text(resource.title),
    preferredLanguage: text(resource.preferredLanguage),
    department: text(extension?.department ?? resource.department),
    displayName: text(resource.displayName),
  };
}

/** The parts of a SCIM User resource the product reads. */
export interface ScimUserResource {
  id: string;
  userName?: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  emails?: { value?: string; primary?: boolean }[];
  active?: boolean;
  title?: string;
  preferredLanguage?: string;
  displayName?: string;
  department?: string;
  [key: string]: unknown;
}

export interface ScimGroupResource {
  id: string;
  displayName?: string;
  members?: { value: string }[];
}

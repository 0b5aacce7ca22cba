import { invalidValue } from './errors.js';
import type { GroupRecord, UserFields, UserRecord } from './store.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

// A userName must be an email address in the imitated service.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A user as SCIM returns it; department travels in the enterprise extension. */
export function userResource(record: UserRecord, baseUrl: string) {
  const { id, guest: _guest, department, active, userName, ...rest } = record.user;
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    id,
    userName,
    active,
    ...rest,
    [ENTERPRISE_SCHEMA]: department === undefined ? {} : { department },
    meta: {
      resourceType: 'User',
      created: record.created,
      lastModified: record.modified,
      location: `${baseUrl}/Users/${id}`,
    },
  };
}

export function groupResource(record: GroupRecord, baseUrl: string, withMembers = true) {
  const { id, displayName, members } = record.group;
  return {
    schemas: [GROUP_SCHEMA],
    id,
    displayName,
    ...(withMembers ? { members: members.map((m) => ({ ...m })) } : {}),
    meta: {
      resourceType: 'Group',
      created: record.created,
      lastModified: record.modified,
      location: `${baseUrl}/Groups/${id}`,
    },
  };
}

type Body = Record<string, unknown>;

/**
 * Reads and type-checks the user attributes of a request body (POST, PUT, or a
 * patched resource). Wrong types are refused, not coerced: `active` must be a JSON
 * boolean, as the SCIM schema says.
 */
export function readUserFields(body: unknown): UserFields & { userName: string } {
  const input = requireObject(body, 'The request body');
  const fields: UserFields & { userName: string } = { userName: readUserName(input) };
  const active = readBoolean(input, 'active');
  if (active !== undefined) fields.active = active;
  for (const key of ['displayName', 'title', 'preferredLanguage'] as const) {
    const value = readString(input, key);
    if (value !== undefined) fields[key] = value;
  }
  const department = readDepartment(input);
  if (department !== undefined) fields.department = department;
  const name = readName(input);
  if (name !== undefined) fields.name = name;
  const emails = readEmails(input);
  if (emails !== undefined) fields.emails = emails;
  return fields;
}

export interface GroupFields {
  displayName: string;
  memberIds: string[];
}

/** Reads and type-checks the attributes of a group request body or patched group. */
export function readGroupFields(body: unknown): GroupFields {
  const input = requireObject(body, 'The request body');
  const displayName = readString(input, 'displayName');
  if (!displayName?.trim()) throw invalidValue('displayName is required');
  return { displayName, memberIds: readMemberIds(input.members) };
}

function readUserName(input: Body): string {
  const userName = readString(input, 'userName');
  if (!userName) throw invalidValue('userName is required');
  if (!EMAIL.test(userName)) throw invalidValue('userName must be an email address');
  return userName;
}

function readDepartment(input: Body): string | undefined {
  const top = readString(input, 'department');
  if (top !== undefined) return top;
  const extension = input[ENTERPRISE_SCHEMA];
  if (extension === undefined) return undefined;
  return readString(requireObject(extension, ENTERPRISE_SCHEMA), 'department');
}

function readName(input: Body): UserFields['name'] {
  if (input.name === undefined) return undefined;
  const name = requireObject(input.name, 'name');
  const result: NonNullable<UserFields['name']> = {};
  for (const key of ['givenName', 'familyName', 'formatted'] as const) {
    const value = readString(name, key, `name.${key}`);
    if (value !== undefined) result[key] = value;
  }
  return result;
}

function readEmails(input: Body): UserFields['emails'] {
  if (input.emails === undefined) return undefined;
  if (!Array.isArray(input.emails)) throw invalidValue('emails must be a list');
  const emails = input.emails.map((item: unknown) => {
    const email = requireObject(item, 'Each email');
    const value = readString(email, 'value', 'emails.value');
    if (!value) throw invalidValue('Each email needs a value');
    const primary = readBoolean(email, 'primary', 'emails.primary');
    const type = readString(email, 'type', 'emails.type');
    return { value, ...(primary === undefined ? {} : { primary }),
      ...(type === undefined ? {} : { type }) };
  });
  if (emails.filter((e) => e.primary).length > 1) {
    throw invalidValue('Only one email may be primary');
  }
  return emails;
}

function readMemberIds(members: unknown): string[] {
  if (members === undefined) return [];
  if (!Array.isArray(members)) throw invalidValue('members must be a list');
  return members.map((item: unknown) => {
    const value = readString(requireObject(item, 'Each member'), 'value', 'members.value');
    if (!value) throw invalidValue('Each member needs a value');
    return value;
  });
}

function requireObject(value: unknown, what: string): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidValue(`${what} must be a JSON object`);
  }
  return value as Body;
}

function readString(input: Body, key: string, label = key): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(`${label} must be a string`);
  return value;
}

function readBoolean(input: Body, key: string, label = key): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidValue(`${label} must be a JSON boolean`);
  return value;
}

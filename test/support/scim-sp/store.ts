import { invalidValue, notFound, uniqueness } from './errors.js';
import type { ScimSpGroup, ScimSpUser } from './types.js';

/** A stored user with the times SCIM's `meta` reports. */
export interface UserRecord {
  user: ScimSpUser;
  created: Date;
  modified: Date;
}

export interface GroupRecord {
  group: ScimSpGroup;
  created: Date;
  modified: Date;
}

/** The user attributes a client may set, as read from a request body. */
export interface UserFields {
  userName?: string;
  active?: boolean;
  name?: ScimSpUser['name'];
  displayName?: string;
  title?: string;
  preferredLanguage?: string;
  department?: string;
  emails?: ScimSpUser['emails'];
}

// Ids look like the imitated service's numeric global ids, and never repeat.
const FIRST_ID = 1_200_000_000_001;

/**
 * The in-memory state of the service provider. userName and group displayName are
 * unique whatever their letter case, guests included: a guest holds its address even
 * though SCIM never shows it.
 */
export class ScimSpStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly groups = new Map<string, GroupRecord>();
  private nextId = FIRST_ID;

  allUsers(): UserRecord[] {
    return [...this.users.values()];
  }

  allGroups(): GroupRecord[] {
    return [...this.groups.values()];
  }

  /** Users a SCIM client may see: every one but guests. */
  visibleUsers(): UserRecord[] {
    return this.allUsers().filter((r) => !r.user.guest);
  }

  /** A user a SCIM client may see; guests answer 404 as if they did not exist. */
  visibleUser(id: string): UserRecord {
    const record = this.users.get(id);
    if (!record || record.user.guest) throw notFound('User', id);
    return record;
  }

  group(id: string): GroupRecord {
    const record = this.groups.get(id);
    if (!record) throw notFound('Group', id);
    return record;
  }

  createUser(fields: UserFields & { userName: string }, guest = false): UserRecord {
    this.checkUserNameFree(fields.userName);
    const now = new Date();
    const user: ScimSpUser = { active: true, ...fields, id: this.newId(), guest };
    const record = { user, created: now, modified: now };
    this.users.set(user.id, record);
    return record;
  }

  /** Replaces a user's attributes with `next` (the id and guest flag stay). */
  replaceUser(record: UserRecord, next: UserFields & { userName: string }): UserRecord {
    if (next.userName.toLowerCase() !== record.user.userName.toLowerCase()) {
      this.checkUserNameFree(next.userName);
    }
    record.user = { ...next, active: next.active ?? record.user.active,
      id: record.user.id, guest: record.user.guest };
    record.modified = new Date();
    return record;
  }

  deactivateUser(record: UserRecord): void {
    if (!record.user.active) return;
    record.user.active = false;
    record.modified = new Date();
  }

  /** Removes a user, and its memberships with it; its userName is free again. */
  deleteUser(record: UserRecord): void {
    this.users.delete(record.user.id);
    for (const group of this.groups.values()) {
      const members = group.group.members.filter((m) => m.value !== record.user.id);
      if (members.length === group.group.members.length) continue;
      group.group.members = members;
      group.modified = new Date();
    }
  }

  deleteGroup(record: GroupRecord): void {
    this.groups.delete(record.group.id);
  }

  createGroup(displayName: string, memberIds: string[]): GroupRecord {
    this.checkGroupNameFree(displayName);
    const now = new Date();
    const group = { id: this.newId(), displayName, members: this.members(memberIds) };
    const record = { group, created: now, modified: now };
    this.groups.set(group.id, record);
    return record;
  }

  replaceGroup(record: GroupRecord, displayName: string, memberIds: string[]): GroupRecord {
    if (displayName.toLowerCase() !== record.group.displayName.toLowerCase()) {
      this.checkGroupNameFree(displayName);
    }
    record.group = { id: record.group.id, displayName, members: this.members(memberIds) };
    record.modified = new Date();
    return record;
  }

  private members(memberIds: string[]): { value: string }[] {
    const unique = [...new Set(memberIds)];
    for (const id of unique) this.checkMemberExists(id);
    return unique.map((value) => ({ value }));
  }

  private checkMemberExists(id: string): void {
    const record = this.users.get(id);
    if (!record || record.user.guest) throw invalidValue(`Member ${id} is not a known user`);
  }

  private checkUserNameFree(userName: string): void {
    const wanted = userName.toLowerCase();
    const taken = this.allUsers().some((r) => r.user.userName.toLowerCase() === wanted);
    if (taken) throw uniqueness(`A user with userName ${userName} already exists`);
  }

  private checkGroupNameFree(displayName: string): void {
    const wanted = displayName.toLowerCase();
    const taken = this.allGroups().some((r) => r.group.displayName.toLowerCase() === wanted);
    if (taken) throw uniqueness(`A group named ${displayName} already exists`);
  }

  private newId(): string {
    return String(this.nextId++);
  }
}

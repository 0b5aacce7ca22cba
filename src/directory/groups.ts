import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { conflict, notFound } from '../http/errors.js';
import { type Actor, recordEvent } from '../insights/events.js';
import { containsText, type Db, isUniqueViolation, now } from '../store/db.js';
import type { UserGroupsTable } from '../store/schema.js';
import { appendChange } from './feed.js';
import { addMembership, toUser, type User } from './users.js';

export interface Group {
  id: string;
  name: string;
  description: string;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
}

type GroupRow = Selectable<UserGroupsTable>;

/**
 * User groups and memberships. Every change is one transaction holding the rows, its
 * event and its change feed entry.
 */
export class GroupService {
  constructor(private readonly db: Db, private readonly afterCommit: () => void = () => {}) {}

  async get(id: string): Promise<Group> {
    const [group] = await this.withCounts(
      this.db.selectFrom('user_groups').selectAll().where('id', '=', id));
    if (!group) throw notFound('Group');
    return group;
  }

  async list(query: { q?: string; name?: string; limit: number; offset: number }):
    Promise<{ items: Group[]; total: number }> {
    let base = this.db.selectFrom('user_groups');
    if (query.name) base = base.where('name_lc', '=', query.name.toLowerCase());
    if (query.q) base = base.where(containsText('name_lc', query.q));
    const [items, count] = await Promise.all([
      this.withCounts(base.selectAll().orderBy('name_lc').limit(query.limit)
        .offset(query.offset)),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return { items, total: Number(count?.n ?? 0) };
  }

  async create(input: { name: string; description?: string }, actor: Actor): Promise<Group> {
    const id = randomUUID();
    const time = now();
    await this.write(async (trx) => {
      await trx.insertInto('user_groups').values({
        id, name: input.name, name_lc: input.name.toLowerCase(),
        description: input.description ?? '', created_at: time, updated_at: time,
      }).execute();
      await recordEvent(trx, {
        type: 'group_create', initiator: actor, outcome: 'success',
        resource: { type: 'group', id, name: input.name },
      });
      await appendChange(trx, 'group.created', { groupId: id }, { name: input.name });
    });
    return this.get(id);
  }

  async update(id: string, input: { name?: string; description?: string }, actor: Actor):
    Promise<Group> {
    await this.write(async (trx) => {
      const before = await this.row(trx, id);
      const renamed = input.name !== undefined && input.name !== before.name;
      const described = input.description !== undefined
        && input.description !== before.description;
      if (!renamed && !described) return;
      await trx.updateTable('user_groups').set({
        ...(renamed ? { name: input.name, name_lc: input.name!.toLowerCase() } : {}),
        ...(described ? { description: input.description } : {}),
        updated_at: now(),
      }).where('id', '=', id).execute();
      await recordEvent(trx, {
        type: 'group_update', initiator: actor, outcome: 'success',
        resource: { type: 'group', id, name: input.name ?? before.name },
        details: renamed ? { previousName: before.name } : {},
      });
      if (renamed) {
        await appendChange(trx, 'group.renamed', { groupId: id },
          { name: input.name, previousName: before.name });
      }
    });
    return this.get(id);
  }

  /**
   * Deletes the group with its memberships and application bindings. The feed entry
   * keeps the members and applications, which provisioning needs once the rows are gone.
   */
  async delete(id: string, actor: Actor): Promise<void> {
    await this.write(async (trx) => {
      const before = await this.row(trx, id);
      const members = await trx.selectFrom('group_members').select('user_id')
        .where('group_id', '=', id).execute();
      const bindings = await trx.selectFrom('app_group_bindings').select('application_id')
        .where('group_id', '=', id).execute();
      await trx.deleteFrom('group_members').where('group_id', '=', id).execute();
      await trx.deleteFrom('app_group_bindings').where('group_id', '=', id).execute();
      await trx.deleteFrom('user_groups').where('id', '=', id).execute();
      await recordEvent(trx, {
        type: 'group_delete', initiator: actor, outcome: 'success',
        resource: { type: 'group', id, name: before.name },
        details: { members: members.length },
      });
      await appendChange(trx, 'group.deleted', { groupId: id }, {
        name: before.name,
        memberIds: members.map((m) => m.user_id),
        applicationIds: bindings.map((b) => b.application_id),
      });
    });
  }

  async members(groupId: string, page: { limit: number; offset: number }):
    Promise<{ items: User[]; total: number }> {
    await this.row(this.db, groupId);
    const base = this.db.selectFrom('group_members')
      .innerJoin('users', 'users.id', 'group_members.user_id')
      .where('group_members.group_id', '=', groupId);
    const [rows, count] = await Promise.all([
      base.selectAll('users').orderBy('users.username_lc').limit(page.limit)
        .offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return { items: rows.map(toUser), total: Number(count?.n ?? 0) };
  }

  async groupsOfUser(userId: string): Promise<Group[]> {
    const user = await this.db.selectFrom('users').select('id').where('id', '=', userId)
      .executeTakeFirst();
    if (!user) throw notFound('User');
    return this.withCounts(this.db.selectFrom('user_groups').selectAll()
      .where('id', 'in', this.db.selectFrom('group_members').select('group_id')
        .where('user_id', '=', userId))
      .orderBy('name_lc'));
  }

  async addMember(groupId: string, userId: string, actor: Actor): Promise<void> {
    await this.write((trx) => addMembership(trx, groupId, userId, actor).then(() => {}));
  }

  async removeMember(groupId: string, userId: string, actor: Actor): Promise<void> {
    await this.write((trx) => this.removeMembership(trx, groupId, userId, actor));
  }

  /**
   * Makes the user a member of exactly `groupIds`, in one transaction: an unknown group
   * (404) or any failure leaves every membership as it was.
   */
  async setGroupsOfUser(userId: string, groupIds: string[], actor: Actor): Promise<void> {
    const wanted = new Set(groupIds);
    await this.write(async (trx) => {
      const user = await trx.selectFrom('users').select('id').where('id', '=', userId)
        .executeTakeFirst();
      if (!user) throw notFound('User');
      const rows = await trx.selectFrom('group_members').select('group_id')
        .where('user_id', '=', userId).execute();
      const current = new Set(rows.map((row) => row.group_id));
      for (const groupId of wanted) {
        if (!current.has(groupId)) await addMembership(trx, groupId, userId, actor);
      }
      for (const groupId of current) {
        if (!wanted.has(groupId)) await this.removeMembership(trx, groupId, userId, actor);
      }
    });
  }

  /** Removes a membership inside `trx`, with its event and feed entry; 404 when absent. */
  private async removeMembership(trx: Db, groupId: string, userId: string, actor: Actor):
    Promise<void> {
    const group = await this.row(trx, groupId);
    const removed = await trx.deleteFrom('group_members')
      .where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw notFound('Membership');
    await recordEvent(trx, {
      type: 'group_member_remove', initiator: actor, outcome: 'success',
      resource: { type: 'group', id: groupId, name: group.name }, userId,
    });
    await appendChange(trx, 'membership.removed', { userId, groupId });
  }

  private async withCounts(query: {
    execute(): Promise<GroupRow[]>;
  }): Promise<Group[]> {
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const counts = await this.db.selectFrom('group_members')
      .select(['group_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('group_id', 'in', rows.map((r) => r.id)).groupBy('group_id').execute();
    const byGroup = new Map(counts.map((c) => [c.group_id, Number(c.n)]));
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      description: row.description,
      memberCount: byGroup.get(row.id) ?? 0,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  private async row(db: Db, id: string): Promise<GroupRow> {
    const row = await db.selectFrom('user_groups').selectAll().where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Group');
    return row;
  }

  private async write(change: (trx: Db) => Promise<void>): Promise<void> {
    try {
      await this.db.transaction().execute(change);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw conflict('A group with this name already exists', 'duplicate_group');
      }
      throw error;
    }
    this.afterCommit();
  }
}

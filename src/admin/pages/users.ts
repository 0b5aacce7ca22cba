import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { HttpError } from '../../http/errors.js';
import { formList, notify, sendPage, userFailure } from '../../http/pages.js';
import { parseForm } from '../../http/form-input.js';
import { type UserDetailView, newUserPage, userDetailPage, userListPage }
  from '../../views/admin/users.js';
import { EMPTY_FORM } from '../../views/forms.js';
import { languageTag, profileText, usernameSchema } from '../users-api.js';
import { adminFrame, param, queryOffset, queryText } from './frame.js';

const PAGE_SIZE = 25;
const text = (max: number) => profileText(max).default('');

const profileSchema = z.object({
  username: usernameSchema,
  email: z.string().trim().max(254).pipe(z.email('enter an email address')),
  firstName: text(100),
  lastName: text(100),
  displayName: text(200),
  jobTitle: text(200),
  department: text(200),
  preferredLanguage: languageTag.default(''),
});

const passwordSchema = z.object({
  password: z.string().min(8, 'at least 8 characters').max(1024),
});

const newUserSchema = profileSchema.extend({
  password: z.union([z.literal(''), passwordSchema.shape.password]).default('')
    .transform((p) => p || undefined),
});

const statusSchema = z.object({ status: z.enum(['active', 'suspended']) });

/** Conflicts shown next to the field they are about. */
const USER_FIELDS = { duplicate_user: 'username' };

/** The most groups the user page lists as checkboxes. */
export const GROUPS_ON_PAGE = 500;

/**
 * Refuses a save of the group checkboxes when the directory has groups the page could
 * not list: the form holds no box for them, so the save would drop those memberships.
 */
async function assertAllGroupsListed(ctx: AppContext): Promise<void> {
  const { total } = await ctx.groups.list({ limit: 1, offset: 0 });
  if (total > GROUPS_ON_PAGE) {
    throw new HttpError(409, 'too_many_groups', `The directory has ${total} user groups, `
      + `more than this page lists (${GROUPS_ON_PAGE}): add or remove this user on each `
      + 'group\'s page instead. Nothing was changed.');
  }
}

/** Users: list and search, create, properties, status, password, groups. */
export function userPages(ctx: AppContext): Router {
  const router = Router();

  async function detailView(id: string, extra: Partial<UserDetailView> = {}):
    Promise<UserDetailView> {
    const [user, all, mine, applications] = await Promise.all([
      ctx.users.get(id), ctx.groups.list({ limit: GROUPS_ON_PAGE, offset: 0 }),
      ctx.groups.groupsOfUser(id), ctx.applications.applicationsOfUser(id)]);
    return { user, groups: all.items, groupTotal: all.total,
      memberOf: new Set(mine.map((g) => g.id)), applications, ...extra };
  }

  async function showDetail(req: Request, res: Response, extra: Partial<UserDetailView>,
    failure?: ReturnType<typeof userFailure>) {
    const view = await detailView(param(req, 'id'), extra);
    sendPage(res, userDetailPage(adminFrame(req, view.user.username, 'users',
      failure?.notice), view), failure?.status);
  }

  router.get('/users', async (req, res) => {
    const q = queryText(req, 'q', 128);
    const offset = queryOffset(req);
    const page = await ctx.users.list({ q: q || undefined, limit: PAGE_SIZE, offset });
    sendPage(res, userListPage(adminFrame(req, 'Users', 'users'),
      { q, offset, limit: PAGE_SIZE, ...page }));
  });

  router.get('/users/new', (req, res) => {
    sendPage(res, newUserPage(adminFrame(req, 'Add user', 'users'), EMPTY_FORM));
  });

  router.post('/users', async (req, res) => {
    try {
      const input = parseForm(newUserSchema, req.body);
      const user = await ctx.users.create(input, req.actor!);
      notify(req, 'success', `User ${user.username} was created.`);
      res.redirect(303, `/admin/users/${user.id}`);
    } catch (error) {
      const failure = userFailure(error, req, USER_FIELDS);
      sendPage(res, newUserPage(adminFrame(req, 'Add user', 'users', failure.notice),
        failure.form), failure.status);
    }
  });

  router.get('/users/:id', async (req, res) => {
    await showDetail(req, res, {});
  });

  router.post('/users/:id', async (req, res) => {
    try {
      const user = await ctx.users.update(param(req, 'id'), parseForm(profileSchema,
        req.body), req.actor!);
      notify(req, 'success', `The properties of ${user.username} were saved.`);
      res.redirect(303, `/admin/users/${user.id}`);
    } catch (error) {
      const failure = userFailure(error, req, USER_FIELDS);
      await showDetail(req, res, { profile: failure.form }, failure);
    }
  });

  router.post('/users/:id/status', async (req, res) => {
    const { status } = parseForm(statusSchema, req.body);
    const user = await ctx.users.setStatus(param(req, 'id'), status, req.actor!);
    notify(req, 'success', `${user.username} is now ${status === 'active' ? 'active'
      : 'suspended'}.`);
    res.redirect(303, `/admin/users/${user.id}`);
  });

  router.post('/users/:id/password', async (req, res) => {
    try {
      const { password } = parseForm(passwordSchema, req.body);
      await ctx.users.setPassword(param(req, 'id'), password, req.actor!);
      notify(req, 'success', 'The password was set.');
      res.redirect(303, `/admin/users/${param(req, 'id')}`);
    } catch (error) {
      const failure = userFailure(error, req);
      await showDetail(req, res, { password: failure.form }, failure);
    }
  });

  router.post('/users/:id/groups', async (req, res) => {
    const id = param(req, 'id');
    try {
      await assertAllGroupsListed(ctx);
      await ctx.groups.setGroupsOfUser(id, formList(req.body, 'groupIds'), req.actor!);
      notify(req, 'success', 'The user\'s groups were saved.');
      res.redirect(303, `/admin/users/${id}`);
    } catch (error) {
      await showDetail(req, res, {}, userFailure(error, req));
    }
  });

  return router;
}

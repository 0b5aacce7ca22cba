import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { badRequest, notFound } from '../../http/errors.js';
import { formValues, notify, sendPage, userFailure } from '../../http/pages.js';
import { parseForm } from '../../http/form-input.js';
import { type GroupDetailView, groupDetailPage, groupListPage }
  from '../../views/admin/groups.js';
import { EMPTY_FORM } from '../../views/forms.js';
import { adminFrame, checkedChange, param, queryOffset, queryText } from './frame.js';

const groupSchema = z.object({
  name: z.string().trim().min(1, 'enter a name').max(200),
  description: z.string().trim().max(1000).default(''),
});

const GROUP_FIELDS = { duplicate_group: 'name' };

/** Groups, and members of a group, listed per page. */
const PAGE_SIZE = 50;

/** User Groups: list, create, rename, delete, members and bound applications. */
export function groupPages(ctx: AppContext): Router {
  const router = Router();

  async function showList(req: Request, res: Response,
    failure?: ReturnType<typeof userFailure>) {
    const q = queryText(req, 'q', 200);
    const offset = queryOffset(req);
    const page = await ctx.groups.list({ q: q || undefined, limit: PAGE_SIZE, offset });
    sendPage(res, groupListPage(adminFrame(req, 'User Groups', 'groups', failure?.notice),
      { q, ...page, offset, limit: PAGE_SIZE, create: failure?.form ?? EMPTY_FORM }),
    failure?.status);
  }

  async function showDetail(req: Request, res: Response, extra: Partial<GroupDetailView>,
    failure?: ReturnType<typeof userFailure>) {
    const id = param(req, 'id');
    const offset = queryOffset(req);
    const [group, members, applications, bound] = await Promise.all([
      ctx.groups.get(id), ctx.groups.members(id, { limit: PAGE_SIZE, offset }),
      ctx.applications.list(), ctx.applications.applicationsOfGroup(id)]);
    const view: GroupDetailView = { group, members: { ...members, offset, limit: PAGE_SIZE },
      applications, bound: new Set(bound.map((a) => a.id)), ...extra };
    sendPage(res, groupDetailPage(adminFrame(req, group.name, 'groups', failure?.notice),
      view), failure?.status);
  }

  router.get('/groups', (req, res) => showList(req, res));

  router.post('/groups', async (req, res) => {
    try {
      const group = await ctx.groups.create(parseForm(groupSchema, req.body), req.actor!);
      notify(req, 'success', `User group ${group.name} was created.`);
      res.redirect(303, `/admin/groups/${group.id}`);
    } catch (error) {
      await showList(req, res, userFailure(error, req, GROUP_FIELDS));
    }
  });

  router.get('/groups/:id', (req, res) => showDetail(req, res, {}));

  router.post('/groups/:id', async (req, res) => {
    try {
      const group = await ctx.groups.update(param(req, 'id'), parseForm(groupSchema,
        req.body), req.actor!);
      notify(req, 'success', `User group ${group.name} was saved.`);
      res.redirect(303, `/admin/groups/${group.id}`);
    } catch (error) {
      const failure = userFailure(error, req, GROUP_FIELDS);
      await showDetail(req, res, { rename: failure.form }, failure);
    }
  });

  router.post('/groups/:id/delete', async (req, res) => {
    const id = param(req, 'id');
    const group = await ctx.groups.get(id);
    if (formValues(req.body).confirm !== 'on') {
      notify(req, 'error', 'Tick the confirmation box to delete the group.');
      res.redirect(303, `/admin/groups/${id}`);
      return;
    }
    await ctx.groups.delete(id, req.actor!);
    notify(req, 'success', `User group ${group.name} was deleted.`);
    res.redirect(303, '/admin/groups');
  });

  router.post('/groups/:id/members', async (req, res) => {
    try {
      const login = formValues(req.body).login?.trim() ?? '';
      const user = login ? await ctx.users.findByLogin(login) : undefined;
      if (!user) {
        throw badRequest('No such user', { fields: { login: login
          ? 'No user has this username or email' : 'Enter a username or email' } });
      }
      await ctx.groups.addMember(param(req, 'id'), user.id, req.actor!);
      notify(req, 'success', `${user.username} was added to the group.`);
      res.redirect(303, `/admin/groups/${param(req, 'id')}`);
    } catch (error) {
      const failure = userFailure(error, req);
      await showDetail(req, res, { addMember: failure.form }, failure);
    }
  });

  router.post('/groups/:id/members/remove', async (req, res) => {
    const userId = formValues(req.body).userId ?? '';
    const user = await ctx.users.get(userId).catch(() => {
      throw notFound('User');
    });
    await ctx.groups.removeMember(param(req, 'id'), userId, req.actor!);
    notify(req, 'success', `${user.username} was removed from the group.`);
    res.redirect(303, `/admin/groups/${param(req, 'id')}`);
  });

  router.post('/groups/:id/applications', async (req, res) => {
    const id = param(req, 'id');
    const group = await ctx.groups.get(id);
    try {
      await ctx.applications.changeApplicationsOfGroup(id,
        checkedChange(req.body, 'applicationIds'), req.actor!);
    } catch (error) {
      await showDetail(req, res, {}, userFailure(error, req));
      return;
    }
    notify(req, 'success', `The applications of ${group.name} were saved.`);
    res.redirect(303, `/admin/groups/${id}`);
  });

  return router;
}

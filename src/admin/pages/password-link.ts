import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { PasswordLinks } from '../../directory/password-links.js';
import { sendPage } from '../../http/pages.js';
import { passwordLinkPage } from '../../views/admin/password-link.js';
import { adminFrame, param } from './frame.js';

/**
 * The user page's "Create set-password link" button. The link is shown on the answer
 * page itself, never kept in the session: it is a credential until used.
 */
export function passwordLinkPages(ctx: AppContext): Router {
  const router = Router();
  const links = new PasswordLinks(ctx.db, ctx.users, ctx.config);
  router.post('/users/:id/password-link', async (req, res) => {
    const user = await ctx.users.get(param(req, 'id'));
    const link = await links.create(user.id, req.actor!);
    sendPage(res, passwordLinkPage(adminFrame(req, user.username, 'users'), user, link), 201);
  });
  return router;
}

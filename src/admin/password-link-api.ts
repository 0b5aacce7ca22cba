import { Router } from 'express';
import type { AppContext } from '../context.js';
import { PasswordLinks } from '../directory/password-links.js';

/**
 * Set-password links: POST makes a one-use link for the user, valid for 72 hours, and
 * answers it once (only its hash is kept). An earlier unused link of the user stops
 * working.
 */
export function passwordLinkApi(ctx: AppContext): Router {
  const router = Router();
  const links = new PasswordLinks(ctx.db, ctx.users, ctx.config);
  router.post('/users/:id/password-link', async (req, res) => {
    res.status(201).set('cache-control', 'no-store')
      .json(await links.create(req.params.id, req.actor!));
  });
  return router;
}

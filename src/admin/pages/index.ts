import express, { Router } from 'express';
import type { AppContext } from '../../context.js';
import { requireCsrf } from '../../http/csrf.js';
import { HttpError } from '../../http/errors.js';
import { htmlErrorHandler, pageCsrf } from '../../http/pages.js';
import { adminErrorPage } from '../../views/admin/common.js';
import { applicationPages } from './applications.js';
import { appWindowPages } from './app-window.js';
import { adminAuthPages, requireAdmin } from './auth.js';
import { insightsPages } from './insights.js';
import { multipartForms } from './logo.js';
import { passwordLinkPages } from './password-link.js';
import { groupPages } from './groups.js';
import { IMPORT_FORM_PATH, importFormBody, importPages } from './import.js';
import { userPages } from './users.js';

/**
 * The admin portal, mounted at /admin behind the browser session. The pipeline: parse
 * the form body, check its CSRF token, let the login page through, require a signed-in
 * administrator for everything else, then the sections.
 */
export function adminPortal(ctx: AppContext): Router {
  const router = Router();
  router.post(IMPORT_FORM_PATH, importFormBody);
  router.use(express.urlencoded({ extended: false, limit: ctx.config.maxBodyBytes,
    parameterLimit: 1000 }));
  router.use(multipartForms);
  router.use(requireCsrf);
  router.use(adminAuthPages(ctx));
  router.use(requireAdmin(ctx));
  router.get('/', (_req, res) => res.redirect(303, '/admin/applications'));
  router.use(applicationPages(ctx));
  router.use(appWindowPages(ctx));
  router.use(importPages(ctx));
  router.use(userPages(ctx));
  router.use(passwordLinkPages(ctx));
  router.use(groupPages(ctx));
  router.use(insightsPages(ctx));
  router.use((req) => {
    throw new HttpError(404, 'not_found', `There is no page at ${req.originalUrl}`);
  });
  router.use(htmlErrorHandler(ctx.logger, (req, status, message) => adminErrorPage({
    title: 'Admin Portal', csrf: pageCsrf(req), admin: req.actor?.name ?? undefined,
  }, status, message)));
  return router;
}

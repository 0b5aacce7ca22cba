import { type Request, type Response, Router } from 'express';
import { findConnector } from '../../applications/catalog.js';
import type { AppContext } from '../../context.js';
import { HttpError, notFound } from '../../http/errors.js';
import { formList, sendPage } from '../../http/pages.js';
import type { ImportListing } from '../../provisioning/import/listing.js';
import { type AppWindow, appWindowPage } from '../../views/admin/app-window.js';
import { importJobPanel, importPanel, importResultsPanel } from '../../views/admin/import.js';
import type { Html } from '../../views/html.js';
import type { Notice, PageFrame } from '../../views/layout.js';
import { idpBase } from './applications.js';
import { adminFrame, param, queryText } from './frame.js';

/**
 * The Manual Import view of the Identity Management tab: list the application's users,
 * select New ones, import them; a large import shows its job's progress.
 */
export function importPages(ctx: AppContext): Router {
  const router = Router();

  async function windowOf(req: Request): Promise<AppWindow> {
    const app = await ctx.saml.withSsoStatusOf(await ctx.applications.get(param(req, 'id')));
    return { app, connector: findConnector(app.connector),
      idpUrl: `${idpBase(ctx)}${app.customValue}`, tab: 'identity', actions: [] };
  }

  function show(req: Request, res: Response, w: AppWindow, panel: (f: PageFrame) => Html,
    failure?: { status: number; notice: Notice }) {
    const frame = adminFrame(req, `${w.app.label}: Manual Import`, 'applications',
      failure?.notice);
    sendPage(res, appWindowPage(frame, w, panel(frame)), failure?.status);
  }

  /** The listing, or the reason a person can act on (inactive, unreachable). */
  async function listing(appId: string, newOnly: boolean):
    Promise<{ listing: ImportListing | null; problem: string | null }> {
    try {
      return { listing: await ctx.imports.list(appId, newOnly), problem: null };
    } catch (error) {
      if (error instanceof HttpError && error.expose) return { listing: null,
        problem: error.message };
      throw error;
    }
  }

  async function showList(req: Request, res: Response, failure?: { status: number;
    notice: Notice }) {
    const w = await windowOf(req);
    const newOnly = queryText(req, 'newOnly', 5) === 'true';
    const view = { newOnly, ...await listing(w.app.id, newOnly) };
    show(req, res, w, (f) => importPanel(f, w, view), failure);
  }

  router.get('/applications/:id/identity/import', (req, res) => showList(req, res));

  router.post('/applications/:id/identity/import', async (req, res) => {
    const userIds = formList(req.body, 'userIds');
    if (userIds.length === 0) {
      return showList(req, res, { status: 400,
        notice: { kind: 'error', message: 'Select at least one user to import.' } });
    }
    const w = await windowOf(req);
    const answer = await ctx.imports.importUsers(w.app.id, { userIds }, req.actor!);
    if (answer.mode === 'job') {
      return res.redirect(303, `/admin/applications/${w.app.id}/identity/import/jobs/`
        + encodeURIComponent(answer.job.id));
    }
    show(req, res, w, () => importResultsPanel(w, answer.results, answer.counts));
  });

  router.get('/applications/:id/identity/import/jobs/:jobId', async (req, res) => {
    const w = await windowOf(req);
    const job = await ctx.imports.job(param(req, 'jobId'));
    if (job.applicationId !== w.app.id) throw notFound('Import job');
    show(req, res, w, () => importJobPanel(w, job, job.results));
  });

  return router;
}

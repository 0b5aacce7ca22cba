import express, { type Request, type RequestHandler, type Response, Router } from 'express';
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
import { MAX_SELECTION } from '../import-api.js';
import { adminFrame, param, queryText } from './frame.js';

/** Path of the Manual Import form, whose post may carry thousands of checkboxes. */
export const IMPORT_FORM_PATH = '/applications/:id/identity/import';

/**
 * The Manual Import form's body parser. The portal's general one allows 1000 fields;
 * this form has one per selected user, up to an import's largest selection. Mount it
 * before the general parser, which then leaves the parsed body alone.
 */
export const importFormBody: RequestHandler = express.urlencoded({ extended: false,
  limit: '1mb', parameterLimit: MAX_SELECTION + 10 });

/** The form's "Import all new users" button: every New user, without a checkbox each. */
const ALL_NEW = 'new';

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

  router.get(IMPORT_FORM_PATH, (req, res) => showList(req, res));

  /** The selected users' ids: the ticked checkboxes, or every New user. */
  async function selectedIds(req: Request, appId: string): Promise<string[]> {
    if (formList(req.body, 'all')[0] !== ALL_NEW) return formList(req.body, 'userIds');
    const all = await ctx.imports.list(appId, true);
    return all.items.filter((c) => c.status === 'new').map((c) => c.id);
  }

  router.post(IMPORT_FORM_PATH, async (req, res) => {
    const w = await windowOf(req);
    const userIds = await selectedIds(req, w.app.id);
    if (userIds.length === 0) {
      return showList(req, res, { status: 400,
        notice: { kind: 'error', message: 'Select at least one user to import.' } });
    }
    if (userIds.length > MAX_SELECTION) {
      return showList(req, res, { status: 400, notice: { kind: 'error',
        message: `One import takes at most ${MAX_SELECTION} users; select fewer.` } });
    }
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

import { type Request, type Response, Router } from 'express';
import { findConnector } from '../../applications/catalog.js';
import type { AppContext } from '../../context.js';
import { notify, sendPage, userFailure } from '../../http/pages.js';
import { type AppTab, type AppWindow, appWindowPage, generalTab, groupsTab }
  from '../../views/admin/app-window.js';
import { EMPTY_FORM, type FormState } from '../../views/forms.js';
import { type Html, html } from '../../views/html.js';
import type { Notice, PageFrame } from '../../views/layout.js';
import { appearanceInput } from './applications.js';
import { adminFrame, checkedChange, param, queryOffset } from './frame.js';
import { identityPages } from './identity.js';
import { ssoPages } from './sso.js';

/** Groups listed per page of the User Groups tab. */
const GROUPS_PAGE_SIZE = 100;

/** The application window: General Info, SSO, User Groups, Identity Management tabs. */
export function appWindowPages(ctx: AppContext): Router {
  const router = Router();

  async function windowOf(req: Request, tab: AppTab): Promise<AppWindow> {
    const app = await ctx.saml.withSsoStatusOf(await ctx.applications.get(param(req, 'id')));
    return { app, connector: findConnector(app.connector),
      idpUrl: ctx.saml.idpUrl(app), tab, actions: [
        html`<a href="/admin/applications/${app.id}/certificate.pem" download>Download
 Certificate</a>`,
        html`<a href="/saml2/${app.customValue}/metadata">IdP metadata (XML)</a>`] };
  }

  /** Renders the window; `panel` draws the open tab with the page's frame (CSRF token). */
  function show(req: Request, res: Response, w: AppWindow, panel: (f: PageFrame) => Html,
    failure?: { status: number; notice: Notice }) {
    const frame = adminFrame(req, w.app.label, 'applications', failure?.notice);
    sendPage(res, appWindowPage(frame, w, panel(frame)), failure?.status);
  }

  async function showGeneral(req: Request, res: Response, form: FormState,
    failure?: { status: number; notice: Notice }) {
    const w = await windowOf(req, 'general');
    show(req, res, w, (f) => generalTab(f, w, form), failure);
  }

  router.get('/applications/:id', (req, res) => showGeneral(req, res, EMPTY_FORM));

  router.post('/applications/:id', async (req, res) => {
    const app = await ctx.applications.get(param(req, 'id'));
    try {
      const input = appearanceInput(req, app.label, app.portalLogo);
      const saved = await ctx.applications.update(app.id, input, req.actor!);
      notify(req, 'success', `${saved.label} was saved.`);
      res.redirect(303, `/admin/applications/${app.id}`);
    } catch (error) {
      const failure = userFailure(error, req);
      await showGeneral(req, res, failure.form, failure);
    }
  });

  async function showGroups(req: Request, res: Response,
    failure?: { status: number; notice: Notice }) {
    const w = await windowOf(req, 'groups');
    const offset = queryOffset(req);
    const [groups, bound] = await Promise.all([
      ctx.groups.list({ limit: GROUPS_PAGE_SIZE, offset }),
      ctx.applications.boundGroupIds(w.app.id)]);
    show(req, res, w, (f) => groupsTab(f, w, { ...groups, offset, limit: GROUPS_PAGE_SIZE },
      new Set(bound)), failure);
  }

  router.get('/applications/:id/groups', (req, res) => showGroups(req, res));

  router.post('/applications/:id/groups', async (req, res) => {
    const app = await ctx.applications.get(param(req, 'id'));
    try {
      await ctx.applications.changeGroupsOfApplication(app.id,
        checkedChange(req.body, 'groupIds'), req.actor!);
    } catch (error) {
      await showGroups(req, res, userFailure(error, req));
      return;
    }
    notify(req, 'success', `The user groups of ${app.label} were saved.`);
    const offset = queryOffset(req);
    const page = offset ? `?offset=${offset}` : '';
    res.redirect(303, `/admin/applications/${app.id}/groups${page}`);
  });

  router.use(ssoPages(ctx, (req) => windowOf(req, 'sso')));

  router.use(identityPages(ctx, (req) => windowOf(req, 'identity')));

  return router;
}

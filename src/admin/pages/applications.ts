import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { type Connector, findConnector, searchCatalog } from '../../applications/catalog.js';
import { type Application, CUSTOM_VALUE } from '../../applications/service.js';
import type { AppContext } from '../../context.js';
import { badRequest, HttpError } from '../../http/errors.js';
import { formList, notify, sendPage, userFailure } from '../../http/pages.js';
import { parseForm } from '../../http/form-input.js';
import { appListPage, catalogPage, deleteConfirmPage, newAppPage, savedPage }
  from '../../views/admin/applications.js';
import { EMPTY_FORM } from '../../views/forms.js';
import { adminFrame, param, queryText } from './frame.js';
import { uploadedLogo } from './logo.js';

/** Appearance fields of the add and General Info forms. */
export const appearanceSchema = z.object({
  label: z.string().trim().max(100).default(''),
  description: z.string().trim().max(1000).default(''),
  portalImage: z.enum(['logo', 'color']).default('color'),
  portalColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'choose a colour').default('#3b5bdb'),
  showInPortal: z.string().optional().transform((v) => v === 'on'),
});

const newAppSchema = appearanceSchema.extend({
  customValue: z.string().trim().max(64).default('')
    .refine((v) => v === '' || CUSTOM_VALUE.test(v),
      'lower-case letters, digits and inner hyphens only, at most 64'),
});

/**
 * The appearance input of a form: label (the connector's name when left empty), the
 * uploaded logo, and the rule that choosing Logo needs a logo.
 */
export function appearanceInput(req: Request, fallbackLabel: string,
  currentLogo: string | null) {
  const fields = parseForm(appearanceSchema, req.body);
  const logo = uploadedLogo(req);
  if (fields.portalImage === 'logo' && !logo && !currentLogo) {
    throw badRequest('No logo', { fields: {
      logo: 'Upload a logo image, or choose Color Indicator' } });
  }
  return { ...fields, label: fields.label || fallbackLabel,
    ...(logo ? { portalLogo: logo } : {}) };
}

/** The IdP URL an application is reached at: <public URL>/saml2/<custom value>. */
export function idpBase(ctx: AppContext): string {
  return `${ctx.config.publicUrl}/saml2/`;
}

/** SSO Applications list, Add New Application, the saved step and deleting. */
export function applicationPages(ctx: AppContext): Router {
  const router = Router();

  router.get('/applications', async (req, res) => {
    const q = queryText(req, 'q', 100).trim();
    const apps = await ctx.saml.withSsoStatus(await ctx.applications.list(q || undefined));
    sendPage(res, appListPage(adminFrame(req, 'SSO Applications', 'applications'),
      { q, apps, idpBase: idpBase(ctx) }));
  });

  router.get('/applications/new', (req, res) => {
    const q = queryText(req, 'q', 100);
    sendPage(res, catalogPage(adminFrame(req, 'Add New Application', 'applications'),
      { q, connectors: searchCatalog(q) }));
  });

  router.get('/applications/new/details', (req, res) => {
    const connector = findConnector(queryText(req, 'connector', 64));
    if (!connector) {
      sendPage(res, catalogPage(adminFrame(req, 'Add New Application', 'applications'),
        { q: '', connectors: searchCatalog(''), error: 'Select an application, then Next' }),
      400);
      return;
    }
    showNewForm(req, res, connector);
  });

  function showNewForm(req: Request, res: Response, connector: Connector,
    failure?: ReturnType<typeof userFailure>) {
    sendPage(res, newAppPage(adminFrame(req, `New ${connector.name}`, 'applications',
      failure?.notice), { connector, form: failure?.form ?? EMPTY_FORM,
      idpBase: idpBase(ctx) }), failure?.status);
  }

  router.post('/applications/new', async (req, res) => {
    const connector = findConnector(String(req.body?.connector ?? ''));
    if (!connector) throw badRequest('Select an application from the catalog first');
    try {
      const { customValue, ...fields } = parseForm(newAppSchema, req.body);
      const input = appearanceInput(req, connector.name, null);
      const app = await ctx.applications.create(connector.id, { ...fields, ...input,
        ...(customValue ? { customValue } : {}) }, req.actor!);
      notify(req, 'success', `${app.label} was added.`);
      res.redirect(303, `/admin/applications/${app.id}/saved`);
    } catch (error) {
      showNewForm(req, res, connector, userFailure(error, req,
        { duplicate_custom_value: 'customValue' }));
    }
  });

  router.get('/applications/delete', async (req, res) => {
    const apps = await selectedApps(ctx, [req.query.id].flat());
    if (apps.length === 0) {
      notify(req, 'error', 'Select at least one application to delete.');
      res.redirect(303, '/admin/applications');
      return;
    }
    sendPage(res, deleteConfirmPage(adminFrame(req, 'Delete applications', 'applications'),
      { apps, form: EMPTY_FORM }));
  });

  router.post('/applications/delete', async (req, res) => {
    const apps = await selectedApps(ctx, formList(req.body, 'id'));
    const typed = String(req.body?.count ?? '').trim();
    // Typing the number is the guard against deleting more than meant: anything but the
    // exact count deletes nothing.
    if (apps.length === 0 || typed !== String(apps.length)) {
      const message = `Enter ${apps.length}, the number of applications selected`;
      sendPage(res, deleteConfirmPage(adminFrame(req, 'Delete applications', 'applications',
        { kind: 'error', message: 'Nothing was deleted: the number does not match.' }),
      { apps, form: { values: { count: typed }, errors: { count: message } } }), 400);
      return;
    }
    for (const app of apps) {
      await ctx.applications.delete(app.id, req.actor!);
      // The signing key parsed for this application must not outlive it in memory.
      ctx.saml.certificates.forget(app.id);
    }
    notify(req, 'success', apps.length === 1 ? `${apps[0]!.label} was deleted.`
      : `${apps.length} applications were deleted.`);
    res.redirect(303, '/admin/applications');
  });

  router.get('/applications/:id/saved', async (req, res) => {
    const app = await ctx.applications.get(param(req, 'id'));
    sendPage(res, savedPage(adminFrame(req, `${app.label} saved`, 'applications'), app,
      `${idpBase(ctx)}${app.customValue}`));
  });

  return router;
}

/** Most applications deleted in one go; the confirmation page lists each of them. */
const MAX_DELETE = 200;

/**
 * The applications behind the selected ids; unknown ids (deleted meanwhile) drop out.
 * More than MAX_DELETE is refused (400 `too_many_selected`) rather than cut short, so
 * the count to type is always the count selected.
 */
async function selectedApps(ctx: AppContext, ids: unknown[]): Promise<Application[]> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
  if (wanted.length > MAX_DELETE) {
    throw new HttpError(400, 'too_many_selected', `${wanted.length} applications were `
      + `selected; delete at most ${MAX_DELETE} at a time.`);
  }
  const apps = await Promise.all(wanted.map((id) => ctx.applications.get(id)
    .catch((error: unknown) => {
      if (error instanceof HttpError && error.status === 404) return undefined;
      throw error;
    })));
  return apps.filter((a): a is Application => a !== undefined);
}

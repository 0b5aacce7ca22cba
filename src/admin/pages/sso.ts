import { type Request, type Response, Router } from 'express';
import type { AppContext } from '../../context.js';
import { HttpError } from '../../http/errors.js';
import { formList, formValues, notify, sendPage, userFailure } from '../../http/pages.js';
import { parseForm } from '../../http/form-input.js';
import { appWindowPage, type AppWindow } from '../../views/admin/app-window.js';
import { type AttributeRows, ssoTab, type SsoTabView } from '../../views/admin/sso-tab.js';
import type { Notice } from '../../views/layout.js';
import { importedSettings, samlSettings } from '../saml-input.js';
import { adminFrame, param } from './frame.js';

/** Attribute rows as typed: the three repeated columns, rows without a name dropped. */
function typedAttributes(body: unknown): AttributeRows {
  const names = formList(body, 'attrName');
  const sources = formList(body, 'attrSource');
  const values = formList(body, 'attrValue');
  return names.map((name, i) => ({ name: name.trim(), source: sources[i] ?? 'property',
    value: (values[i] ?? '').trim() })).filter((row) => row.name !== '');
}

/** The SSO form as settings input for the SAML service's schema. */
function settingsInput(body: unknown, attributes: AttributeRows) {
  const v = formValues(body);
  const acsUrls = (v.acsUrls ?? '').split(/\r?\n/).map((u) => u.trim()).filter(Boolean);
  return {
    spEntityId: v.spEntityId ?? '',
    acsUrls,
    ...(v.defaultAcsUrl && acsUrls.includes(v.defaultAcsUrl)
      ? { defaultAcsUrl: v.defaultAcsUrl } : {}),
    nameIdFormat: v.nameIdFormat,
    nameIdSource: v.nameIdSource,
    attributes,
    signResponse: v.signResponse === 'on',
    requireSignedRequests: v.requireSignedRequests === 'on',
    spCertificate: v.spCertificate?.trim() ? `${v.spCertificate.trim()}\n` : null,
  };
}

/** Schema paths (acsUrls.0, attributes.1.value) as the form's field names. */
function formFieldErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    const attr = /^attributes\.(\d+)\.(name|value|source)$/.exec(path);
    const field = attr ? `attr-${attr[1]}-${attr[2]}` : path.split('.')[0]!;
    out[field] ??= message;
  }
  return out;
}

/** The SSO tab of the application window, its forms and the certificate download. */
export function ssoPages(ctx: AppContext, windowOf: (req: Request) => Promise<AppWindow>):
  Router {
  const router = Router();

  async function show(req: Request, res: Response, extra: Partial<SsoTabView> = {},
    failure?: { status: number; notice: Notice }, typed: AttributeRows | null = null) {
    const w = { ...(await windowOf(req)), tab: 'sso' as const };
    const [settings, certificate, next] = await Promise.all([ctx.saml.settings.get(w.app.id),
      ctx.saml.certificates.active(w.app.id).catch((error: unknown) => {
        if (error instanceof HttpError && error.status === 404) return null;
        throw error;
      }), ctx.saml.certificates.pendingNext(w.app.id)]);
    const frame = adminFrame(req, w.app.label, 'applications', failure?.notice);
    sendPage(res, appWindowPage(frame, w, ssoTab(frame, w, { settings, certificate, next,
      ...extra }, typed)), failure?.status);
  }

  router.get('/applications/:id/sso', (req, res) => show(req, res));

  router.post('/applications/:id/sso', async (req, res) => {
    const id = param(req, 'id');
    const attributes = typedAttributes(req.body);
    try {
      const input = parseForm(samlSettings, settingsInput(req.body, attributes));
      await ctx.saml.updateSettings(id, input, req.actor!);
      notify(req, 'success', 'The SSO settings were saved.');
      res.redirect(303, `/admin/applications/${id}/sso`);
    } catch (error) {
      const failure = userFailure(error, req);
      failure.form.errors = formFieldErrors(failure.form.errors);
      await show(req, res, { form: failure.form }, failure, attributes);
    }
  });

  router.post('/applications/:id/sso/metadata', async (req, res) => {
    const id = param(req, 'id');
    try {
      const xml = formValues(req.body).spMetadataXml?.trim() ?? '';
      if (!xml) throw new HttpError(400, 'invalid_request', 'Paste the SP metadata first');
      await ctx.saml.updateSettings(id, importedSettings(xml), req.actor!);
      notify(req, 'success', 'The SP metadata was imported into the SSO settings.');
      res.redirect(303, `/admin/applications/${id}/sso`);
    } catch (error) {
      const failure = userFailure(error, req);
      failure.form.errors = { spMetadataXml: failure.form.errors.spMetadataXml
        ?? failure.notice.message };
      await show(req, res, { metadata: failure.form }, failure);
    }
  });

  router.post('/applications/:id/sso/activation', async (req, res) => {
    const active = req.body?.active === 'true';
    // Deactivating stops every sign-in at once, so it takes a ticked confirmation.
    if (!active && formValues(req.body).confirm !== 'on') {
      await show(req, res, {}, { status: 400, notice: { kind: 'error', message: 'SSO is '
        + 'still active: tick the confirmation box to deactivate it.' } });
      return;
    }
    const app = await ctx.applications.setSsoActive(param(req, 'id'), active, req.actor!);
    notify(req, 'success', `SSO for ${app.label} was ${active ? 'activated' : 'deactivated'}.`);
    res.redirect(303, `/admin/applications/${app.id}/sso`);
  });

  router.post('/applications/:id/sso/certificates/:certificateId/discard', async (req, res) => {
    const app = await ctx.applications.get(param(req, 'id'));
    try {
      await ctx.saml.discardNextCertificate(app, param(req, 'certificateId'), req.actor!);
    } catch (error) {
      await show(req, res, {}, userFailure(error, req));
      return;
    }
    notify(req, 'success', 'The next certificate was discarded.');
    res.redirect(303, `/admin/applications/${app.id}/sso`);
  });

  router.get('/applications/:id/certificate.pem', async (req, res) => {
    const app = await ctx.applications.get(param(req, 'id'));
    res.type('application/x-pem-file').attachment('certificate.pem')
      .set('cache-control', 'no-store').send(await ctx.saml.certificatePem(app.id));
  });

  return router;
}

import { Router } from 'express';
import { z } from 'zod';
import { CONNECTORS, searchCatalog } from '../applications/catalog.js';
import type { Application } from '../applications/service.js';
import type { AppContext } from '../context.js';
import { parseInput } from '../http/validate.js';
import { isSsoConfigured } from '../saml/settings.js';
import { imageTypeOf } from './pages/logo.js';
import { importedSettings, samlSettings } from './saml-input.js';

/*
 * Applications, their single sign-on settings, certificates and group bindings. The
 * routes only parse input and call the services, which the admin portal calls too.
 */

const LOGO_URL = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=]+)$/;

/**
 * The decoded bytes are the image type the URL declares, told by their first bytes as
 * the portal's upload does: a URL that says PNG but carries SVG (which can hold script)
 * or anything else is refused.
 */
function logoMatchesType(url: string): boolean {
  const [, type, data] = LOGO_URL.exec(url) ?? [];
  return data !== undefined && imageTypeOf(Buffer.from(data, 'base64')) === type;
}

const portalFields = {
  label: z.string().trim().min(1).max(200).optional(),
  description: z.string().trim().max(1000).optional(),
  portalImage: z.enum(['logo', 'color']).optional(),
  portalColor: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
  portalLogo: z.string().max(200_000)
    .regex(LOGO_URL, 'must be a base64 data: URL of a PNG, JPEG, GIF or WebP image')
    .refine(logoMatchesType, 'the image data must be of the type the URL names')
    .nullable().optional(),
  showInPortal: z.boolean().optional(),
  customValue: z.string().max(64).optional(),
};

const createSchema = z.strictObject({
  connector: z.string().min(1).max(64),
  ...portalFields,
  saml: samlSettings.optional(),
  spMetadataXml: z.string().max(200 * 1024).optional(),
});

const updateSchema = z.strictObject(portalFields);
const ssoSchema = samlSettings.extend({ spMetadataXml: z.string().max(200 * 1024).optional() });

/**
 * An application as the API answers it: with its IdP URL and `ssoConfigured`, false
 * while sign-in cannot work for lack of an SP entity ID or ACS URL.
 */
async function described(ctx: AppContext, app: Application) {
  return { ...(await ctx.saml.withSsoStatusOf(app)), idpUrl: ctx.saml.idpUrl(app) };
}

/** Admin API for the catalog, applications, SSO settings, certificates and bindings. */
export function applicationsApi(ctx: AppContext): Router {
  const router = Router();

  router.get('/catalog', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
    res.json({ items: (q ? searchCatalog(q) : [...CONNECTORS]).map((c) => ({
      id: c.id, name: c.name, description: c.description,
      defaultCustomValue: c.defaultCustomValue, saml: c.saml,
      provisioning: c.scim !== null })) });
  });

  router.get('/applications', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : undefined;
    const items = await ctx.saml.withSsoStatus(await ctx.applications.list(q));
    res.json({ items: items.map((a) => ({ ...a, idpUrl: ctx.saml.idpUrl(a) })) });
  });

  router.post('/applications', async (req, res) => {
    const { spMetadataXml, ...input } = parseInput(createSchema, req.body);
    const saml = spMetadataXml ? { ...importedSettings(spMetadataXml), ...input.saml }
      : input.saml;
    const app = await ctx.saml.createApplication({ ...input, saml }, req.actor!);
    res.status(201).location(`/api/v1/applications/${app.id}`)
      .json(await described(ctx, app));
  });

  router.get('/applications/:id', async (req, res) => {
    res.json(await described(ctx, await ctx.applications.get(req.params.id)));
  });

  router.patch('/applications/:id', async (req, res) => {
    const app = await ctx.applications.update(req.params.id,
      parseInput(updateSchema, req.body), req.actor!);
    res.json(await described(ctx, app));
  });

  router.delete('/applications/:id', async (req, res) => {
    await ctx.applications.delete(req.params.id, req.actor!);
    ctx.saml.certificates.forget(req.params.id);
    res.status(204).end();
  });

  router.get('/applications/:id/sso', async (req, res) => {
    const app = await ctx.applications.get(req.params.id);
    const settings = await ctx.saml.settings.get(app.id);
    res.json({ ...settings, idpUrl: ctx.saml.idpUrl(app), ssoActive: app.ssoActive,
      ssoConfigured: isSsoConfigured(settings) });
  });

  router.put('/applications/:id/sso', async (req, res) => {
    const app = await ctx.applications.get(req.params.id);
    const { spMetadataXml, ...fields } = parseInput(ssoSchema, req.body);
    const imported = spMetadataXml ? importedSettings(spMetadataXml) : {};
    const settings = await ctx.saml.updateSettings(app.id, { ...imported, ...fields },
      req.actor!);
    res.json({ ...settings, idpUrl: ctx.saml.idpUrl(app), ssoActive: app.ssoActive,
      ssoConfigured: isSsoConfigured(settings) });
  });

  router.post('/applications/:id/sso/deactivate', async (req, res) => {
    res.json(await described(ctx,
      await ctx.applications.setSsoActive(req.params.id, false, req.actor!)));
  });

  router.post('/applications/:id/sso/activate', async (req, res) => {
    res.json(await described(ctx,
      await ctx.applications.setSsoActive(req.params.id, true, req.actor!)));
  });

  router.get('/applications/:id/certificate.pem', async (req, res) => {
    const app = await ctx.applications.get(req.params.id);
    res.type('application/x-pem-file')
      .set('Content-Disposition', 'attachment; filename="certificate.pem"')
      .send(await ctx.saml.certificatePem(app.id));
  });

  router.get('/applications/:id/certificates', async (req, res) => {
    const app = await ctx.applications.get(req.params.id);
    res.json({ items: await ctx.saml.certificates.list(app.id) });
  });

  router.post('/applications/:id/certificates', async (req, res) => {
    const app = await ctx.applications.get(req.params.id);
    res.status(201).json(await ctx.saml.createNextCertificate(app, req.actor!));
  });

  router.post('/applications/:id/certificates/:certificateId/promote', async (req, res) => {
    const app = await ctx.applications.get(req.params.id);
    res.json(await ctx.saml.promoteCertificate(app, req.params.certificateId, req.actor!));
  });

  router.post('/applications/:id/certificates/:certificateId/discard', async (req, res) => {
    const app = await ctx.applications.get(req.params.id);
    res.json(await ctx.saml.discardNextCertificate(app, req.params.certificateId,
      req.actor!));
  });

  router.get('/applications/:id/groups', async (req, res) => {
    const ids = await ctx.applications.boundGroupIds(req.params.id);
    res.json({ items: await Promise.all(ids.map((id) => ctx.groups.get(id))) });
  });

  router.put('/applications/:id/groups/:groupId', async (req, res) => {
    await ctx.applications.bind(req.params.id, req.params.groupId, req.actor!);
    res.status(204).end();
  });

  router.delete('/applications/:id/groups/:groupId', async (req, res) => {
    await ctx.applications.unbind(req.params.id, req.params.groupId, req.actor!);
    res.status(204).end();
  });

  router.get('/groups/:groupId/applications', async (req, res) => {
    await ctx.groups.get(req.params.groupId);
    res.json({ items: await ctx.applications.applicationsOfGroup(req.params.groupId) });
  });

  router.put('/groups/:groupId/applications/:appId', async (req, res) => {
    await ctx.applications.bind(req.params.appId, req.params.groupId, req.actor!);
    res.status(204).end();
  });

  router.delete('/groups/:groupId/applications/:appId', async (req, res) => {
    await ctx.applications.unbind(req.params.appId, req.params.groupId, req.actor!);
    res.status(204).end();
  });

  return router;
}

import { type Request, type Response, Router } from 'express';
import type { AppContext } from '../../context.js';
import { formList, formValues, notify, sendPage, userFailure } from '../../http/pages.js';
import { parseForm } from '../../http/form-input.js';
import { appWindowPage, type AppWindow } from '../../views/admin/app-window.js';
import { identityTab, type IdentityTabView } from '../../views/admin/identity-tab.js';
import type { Notice } from '../../views/layout.js';
import { configSchema } from '../provisioning-api.js';
import { adminFrame, param } from './frame.js';

const CUSTOM_NUMBERS = ['requestsPerMinute', 'concurrentReads', 'concurrentWrites'] as const;

/**
 * The numbers of a custom profile, as entered. A field left empty keeps the stored
 * number; text that is not a number goes on, so the schema names the field.
 */
function customNumbers(v: Record<string, string>): Record<string, unknown> {
  const entered = CUSTOM_NUMBERS.filter((name) => v[name]?.trim());
  return Object.fromEntries(entered.map((name) => {
    const text = v[name]!.trim();
    return [name, /^\d+$/.test(text) ? Number(text) : text];
  }));
}

/** The configuration form as input for the provisioning service's schema. */
function configInput(body: unknown, supportsGroups: boolean) {
  const v = formValues(body);
  return {
    baseUrl: v.baseUrl ?? '',
    ...(v.token?.trim() ? { token: v.token.trim() } : {}),
    ...(v.rateProfile ? { rateProfile: v.rateProfile } : {}),
    // Numbers go only with the custom profile: a named profile brings its own.
    ...(v.rateProfile === 'custom' ? customNumbers(v) : {}),
    ...(supportsGroups ? { manageGroups: v.manageGroups === 'on' } : {}),
  };
}

/** Where a refusal of the service belongs in the form. */
const IDENTITY_FIELDS = { token_change_requires_deactivation: 'token',
  base_url_change_requires_deactivation: 'baseUrl' };

/**
 * The Identity Management tab: configure the SCIM connection, activate (verified by a
 * real SCIM call), deactivate, choose the attributes sent, sync now, per-user state.
 */
export function identityPages(ctx: AppContext,
  windowOf: (req: Request) => Promise<AppWindow>): Router {
  const router = Router();
  const { integrations } = ctx.provisioning;
  const base = (req: Request) => `/admin/applications/${param(req, 'id')}/identity`;

  async function show(req: Request, res: Response, extra: Partial<IdentityTabView> = {},
    failure?: { status: number; notice: Notice }) {
    const w = { ...(await windowOf(req)), tab: 'identity' as const };
    const [integration, mappings, users, failed] = await Promise.all([
      integrations.get(w.app.id), integrations.mappings(w.app.id),
      ctx.provisioning.users(w.app.id, { limit: 100, offset: 0 }),
      ctx.provisioning.operations(w.app.id, 'failed')]);
    const frame = adminFrame(req, w.app.label, 'applications', failure?.notice);
    const view = { integration, mappings, users, failed,
      editMappings: req.query.edit === 'mappings', ...extra };
    sendPage(res, appWindowPage(frame, w, identityTab(frame, w, view)), failure?.status);
  }

  /** Runs a one-button action, then back to the tab with its notice or its refusal. */
  async function act(req: Request, res: Response, action: () => Promise<string>) {
    try {
      notify(req, 'success', await action());
      res.redirect(303, base(req));
    } catch (error) {
      await show(req, res, {}, userFailure(error, req));
    }
  }

  router.get('/applications/:id/identity', (req, res) => show(req, res));

  router.post('/applications/:id/identity', async (req, res) => {
    const id = param(req, 'id');
    try {
      const current = await integrations.get(id);
      const input = parseForm(configSchema,
        configInput(req.body, Boolean(current.capabilities?.supportsGroups)));
      await integrations.configure(id, input, req.actor!);
      notify(req, 'success', 'The Identity Management configuration was saved.');
      res.redirect(303, base(req));
    } catch (error) {
      const failure = userFailure(error, req, IDENTITY_FIELDS);
      await show(req, res, { config: failure.form }, failure);
    }
  });

  router.post('/applications/:id/identity/activate', (req, res) => act(req, res, async () => {
    await integrations.activate(param(req, 'id'), req.actor!);
    return 'The Identity Management integration was verified and activated.';
  }));

  router.post('/applications/:id/identity/deactivate', (req, res) => act(req, res,
    async () => {
      await integrations.deactivate(param(req, 'id'), req.actor!);
      return 'The Identity Management integration was deactivated.';
    }));

  router.post('/applications/:id/identity/sync', (req, res) => act(req, res, async () => {
    await integrations.syncNow(param(req, 'id'));
    return 'A full sync was queued.';
  }));

  router.post('/applications/:id/identity/mappings', (req, res) => act(req, res, async () => {
    const id = param(req, 'id');
    const included = new Set(formList(req.body, 'included'));
    const optional = (await integrations.mappings(id)).user.filter((m) => !m.required);
    const excluded = optional.filter((m) => !included.has(m.scim)).map((m) => m.scim);
    await integrations.setExcluded(id, excluded, req.actor!);
    return 'The attribute mapping was updated.';
  }));

  router.post('/applications/:id/identity/mappings/restore', (req, res) => act(req, res,
    async () => {
      await integrations.setExcluded(param(req, 'id'), [], req.actor!);
      return 'The default attribute mapping was restored.';
    }));

  router.post('/applications/:id/identity/operations/:opId/retry', (req, res) => act(req, res,
    async () => {
      await ctx.provisioning.retry(param(req, 'id'), Number(param(req, 'opId')));
      return 'The operation was queued again.';
    }));

  return router;
}

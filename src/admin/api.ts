import express, { Router } from 'express';
import type { AppContext } from '../context.js';
import { applicationsApi } from './applications-api.js';
import { requireApiKey } from '../http/auth.js';
import { jsonErrorHandler, jsonNotFound } from '../http/errors.js';
import { methodNotAllowed } from '../http/methods.js';
import { requireJsonBody, requireJsonObject } from '../http/validate.js';
import { eventsApi } from './events-api.js';
import { groupsApi } from './groups-api.js';
import { importApi } from './import-api.js';
import { keysApi } from './keys-api.js';
import { passwordLinkApi } from './password-link-api.js';
import { provisioningApi } from './provisioning-api.js';
import { usersApi } from './users-api.js';

/** The versioned admin JSON API, mounted at /api/v1. Every route needs an API key. */
export function adminApi(ctx: AppContext): Router {
  const router = Router();
  // Authenticate before reading a body, so no stranger can make the service parse one.
  router.use(requireApiKey(ctx.admins));
  router.use(express.json({ limit: ctx.config.maxBodyBytes, strict: false }), requireJsonBody,
    requireJsonObject);
  router.use(usersApi(ctx));
  router.use(passwordLinkApi(ctx));
  router.use(groupsApi(ctx));
  router.use(eventsApi(ctx));
  router.use(keysApi(ctx));
  router.use(provisioningApi(ctx));
  router.use(importApi(ctx));
  router.use(applicationsApi(ctx));
  router.use(methodNotAllowed(router));
  router.use(jsonNotFound);
  router.use(jsonErrorHandler(ctx.logger));
  return router;
}

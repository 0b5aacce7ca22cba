import express, { type Express } from 'express';
import { adminApi } from './admin/api.js';
import { adminPortal } from './admin/pages/index.js';
import type { AppContext } from './context.js';
import { requestLogger } from './http/logging.js';
import { assignRequestId } from './http/request.js';
import { securityHeaders, staticAssets } from './http/security.js';
import { ADMIN_COOKIE, CONSOLE_COOKIE, sessionMiddleware } from './http/session.js';
import { portalRouter } from './portal/routes.js';
import { setPasswordRouter } from './portal/set-password.js';
import { samlRouter } from './saml/routes.js';

/** The HTTP application: middleware in the order it runs, then each part's routes. */
export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(assignRequestId);
  app.use(requestLogger(ctx.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await ctx.database.ping();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'database unreachable' });
  });

  app.use('/api/v1', adminApi(ctx));

  // Browser-facing routes below keep cookie sessions in the database: the admin portal
  // one of its own, the user console and SSO another.
  const https = ctx.config.publicUrl.startsWith('https:');
  const sessions = { secret: ctx.secrets.sessionSecret, secure: https };
  app.use(securityHeaders({ https }));
  app.use('/assets', staticAssets());
  app.use('/admin', sessionMiddleware(ctx.db, { ...sessions, name: ADMIN_COOKIE,
    path: '/admin' }), adminPortal(ctx));
  app.use(sessionMiddleware(ctx.db, { ...sessions, name: CONSOLE_COOKIE }));
  app.use(samlRouter(ctx));
  app.use(setPasswordRouter(ctx));
  app.use(portalRouter(ctx));
  return app;
}

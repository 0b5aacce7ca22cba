import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { PasswordLinks, SET_PASSWORD_PATH } from '../directory/password-links.js';
import { requireCsrf } from '../http/csrf.js';
import { HttpError } from '../http/errors.js';
import { htmlErrorHandler, pageCsrf, sendPage, userFailure } from '../http/pages.js';
import { parseInput } from '../http/validate.js';
import { consoleErrorPage } from '../views/console.js';
import { EMPTY_FORM, type FormState } from '../views/forms.js';
import { linkRefusedPage, passwordSetPage, setPasswordPage } from '../views/set-password.js';

const TITLE = 'Set password · User Console';

const tokenSchema = z.string().min(1).max(200);

const formSchema = z.object({
  token: tokenSchema,
  password: z.string().min(8, 'at least 8 characters').max(1024),
  confirm: z.string().max(1024),
}).refine((f) => f.password === f.confirm,
  { path: ['confirm'], message: 'the two passwords differ' });

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (handler: Handler): RequestHandler =>
  (req, res, next) => { handler(req, res).catch(next); };

const frameOf = (req: Request) => ({ title: TITLE, csrf: pageCsrf(req) });

/** A refused link (unknown, used, expired) gets a page saying so, with its status. */
function refuse(req: Request, res: Response, error: unknown): void {
  if (!(error instanceof HttpError) || !error.code.startsWith('link_')) throw error;
  sendPage(res, linkRefusedPage(frameOf(req), error.message), error.status);
}

function tokenOf(value: unknown): string {
  const parsed = tokenSchema.safeParse(value);
  return parsed.success ? parsed.data : '';
}

async function showForm(links: PasswordLinks, req: Request, res: Response, token: string,
  form: FormState = EMPTY_FORM, status = 200): Promise<void> {
  try {
    const holder = await links.check(token);
    sendPage(res, setPasswordPage(frameOf(req), holder.username, token, form), status);
  } catch (error) {
    refuse(req, res, error);
  }
}

async function submit(links: PasswordLinks, req: Request, res: Response): Promise<void> {
  const token = tokenOf((req.body as Record<string, unknown> | undefined)?.token);
  let input: z.infer<typeof formSchema>;
  try {
    input = parseInput(formSchema, req.body);
  } catch (error) {
    const failure = userFailure(error, req);
    await showForm(links, req, res, token, failure.form, failure.status);
    return;
  }
  try {
    const holder = await links.redeem(input.token, input.password);
    sendPage(res, passwordSetPage(frameOf(req), holder.username));
  } catch (error) {
    refuse(req, res, error);
  }
}

/**
 * The page a set-password link opens, and its form. The form carries the session's
 * CSRF token: without it another site could post a password of its choosing with a
 * link it had obtained, into a victim's browser session. Mount after the session.
 */
export function setPasswordRouter(ctx: AppContext): Router {
  const router = Router();
  const links = new PasswordLinks(ctx.db, ctx.users, ctx.config);
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });
  // The page's address holds the token: no link followed from it may pass it on.
  router.use(SET_PASSWORD_PATH, (_req, res, next) => {
    res.set('referrer-policy', 'no-referrer');
    next();
  });
  router.get(SET_PASSWORD_PATH, wrap((req, res) =>
    showForm(links, req, res, tokenOf(req.query.token))));
  router.post(SET_PASSWORD_PATH, form, requireCsrf, wrap((req, res) =>
    submit(links, req, res)));
  router.use(htmlErrorHandler(ctx.logger, (req, status, message) =>
    consoleErrorPage(frameOf(req), status, message)));
  return router;
}

import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { pageQuery, parseInput, parseQuery } from '../http/validate.js';

/**
 * A one-line profile text. Control characters (tabs, line breaks, NUL, escapes) are
 * refused: these values go into SAML attributes, SCIM requests and CSV exports, where a
 * line break or an escape sequence can forge a record or garble a terminal. A lone
 * surrogate (half of a character) is refused too: no database or peer can store it, and
 * it would come back as replacement characters.
 */
export const profileText = (max: number) => z.string().trim().max(max)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
  .regex(/^[^\p{Cs}]*$/u, 'must not contain half of a character');

const text = profileText;

/**
 * A BCP 47 language tag such as "en", "de-CH" or "zh-Hant-TW", or empty for none; a
 * free-form value would reach service providers as the user's locale.
 */
export const languageTag = z.string().trim().max(35).refine(isLanguageTag,
  'must be a BCP 47 language tag such as en or de-CH');

/**
 * Well-formed by the runtime's parser, with a two- or three-letter ISO 639 language
 * first. BCP 47 also allows 5 to 8 letters there, for languages registered later; none
 * is in use, and allowing them would let a word such as "english" pass.
 */
function isLanguageTag(value: string): boolean {
  if (value === '') return true;
  if (!/^[A-Za-z]{2,3}(?:-|$)/.test(value)) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** Usernames are URL- and SCIM-safe: ASCII letters, digits and . _ @ + - only. */
export const usernameSchema = z.string().trim().min(1).max(128)
  .regex(/^[A-Za-z0-9._@+-]+$/, 'letters, digits and . _ @ + - only');

const profileFields = {
  email: z.string().trim().max(254).pipe(z.email()),
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  displayName: text(200).optional(),
  jobTitle: text(200).optional(),
  department: text(200).optional(),
  preferredLanguage: languageTag.optional(),
};

const passwordSchema = z.string().min(8, 'at least 8 characters').max(1024);

const createUserSchema = z.strictObject({
  username: usernameSchema,
  ...profileFields,
  password: passwordSchema.optional(),
  groupIds: z.array(z.string().max(64)).max(100).optional(),
});

const updateUserSchema = z.strictObject({
  username: usernameSchema.optional(),
  ...profileFields,
  email: profileFields.email.optional(),
});

const listUsersSchema = pageQuery.extend({
  username: z.string().max(128).optional(),
  email: z.string().max(254).optional(),
  name: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
  status: z.enum(['active', 'suspended']).optional(),
});

/** Users: list, create, read, change, delete, suspend, activate, set password, groups. */
export function usersApi(ctx: AppContext): Router {
  const router = Router();

  router.get('/users', async (req, res) => {
    const query = parseQuery(listUsersSchema, req.query);
    const page = await ctx.users.list(query);
    res.json({ ...page, limit: query.limit, offset: query.offset });
  });

  router.post('/users', async (req, res) => {
    const { groupIds, ...input } = parseInput(createUserSchema, req.body);
    res.status(201).json(await ctx.users.create(input, req.actor!, groupIds));
  });

  router.get('/users/:id', async (req, res) => {
    res.json(await ctx.users.get(req.params.id));
  });

  router.patch('/users/:id', async (req, res) => {
    const input = parseInput(updateUserSchema, req.body);
    res.json(await ctx.users.update(req.params.id, input, req.actor!));
  });

  router.delete('/users/:id', async (req, res) => {
    await ctx.users.delete(req.params.id, req.actor!);
    res.status(204).end();
  });

  router.post('/users/:id/suspend', async (req, res) => {
    res.json(await ctx.users.setStatus(req.params.id, 'suspended', req.actor!));
  });

  router.post('/users/:id/activate', async (req, res) => {
    res.json(await ctx.users.setStatus(req.params.id, 'active', req.actor!));
  });

  router.put('/users/:id/password', async (req, res) => {
    const { password } = parseInput(z.strictObject({ password: passwordSchema }), req.body);
    await ctx.users.setPassword(req.params.id, password, req.actor!);
    res.status(204).end();
  });

  router.get('/users/:id/groups', async (req, res) => {
    res.json({ items: await ctx.groups.groupsOfUser(req.params.id) });
  });

  return router;
}

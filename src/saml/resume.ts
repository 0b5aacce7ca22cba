import type { Application } from '../applications/service.js';
import type { AppContext } from '../context.js';
import { decryptSecret, encryptSecret } from '../secrets.js';
import { isUniqueViolation } from '../store/db.js';
import { refuse } from './refusal.js';
import type { PendingSignIn } from './signin.js';

/** How long the resume link of an HTTP-POST request stays valid, in milliseconds. */
const RESUME_LIFETIME_MS = 5 * 60_000;

interface SealedSignIn {
  pending: PendingSignIn;
  /** Milliseconds since the epoch. */
  expires: number;
}

/**
 * A cross-site POST carries no SameSite=Lax session cookie, so the checked request is
 * sealed (AES-GCM, the service's storage key) into a same-site GET link that does.
 */
export function resumeLink(ctx: AppContext, app: Application, pending: PendingSignIn): string {
  const content: SealedSignIn = { pending, expires: Date.now() + RESUME_LIFETIME_MS };
  const sealed = encryptSecret(ctx.secrets.encryptionKey, JSON.stringify(content));
  return `/saml2/${app.customValue}/resume?t=${encodeURIComponent(sealed)}`;
}

/** The sealed sign-in of a token, refused when altered, foreign or expired. */
function unseal(ctx: AppContext, app: Application, token: unknown): SealedSignIn {
  try {
    const sealed = JSON.parse(decryptSecret(ctx.secrets.encryptionKey, String(token))) as
      SealedSignIn;
    if (sealed.expires > Date.now() && sealed.pending.applicationId === app.id) return sealed;
  } catch {
    // An altered or foreign token is refused below like an expired one.
  }
  throw refuse('no_pending_request', 'This sign-in has expired. Start again from the '
    + 'application.');
}

/**
 * A resume link answers its request once. Opened again (from history, or by whoever
 * copied it) it would sign another response to the same request ID, a replay the
 * request-ID cache alone cannot see. Request IDs are XML names, which hold no ':', so
 * the prefixed key never meets a real request ID in the same table.
 */
async function spendResumeLink(ctx: AppContext, app: Application, sealed: SealedSignIn):
  Promise<void> {
  try {
    await ctx.db.insertInto('saml_request_ids').values({
      application_id: app.id, request_id: `resume:${sealed.pending.requestId ?? ''}`,
      expires_at: new Date(sealed.expires).toISOString(),
    }).execute();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw refuse('replayed_request', 'This sign-in link was already used. Start again '
        + 'from the application.');
    }
    throw error;
  }
}

/** The pending sign-in of a resume link; throws SamlRefusal when expired, altered or used. */
export async function openResumeLink(ctx: AppContext, app: Application, token: unknown):
  Promise<PendingSignIn> {
  const sealed = unseal(ctx, app, token);
  await spendResumeLink(ctx, app, sealed);
  return sealed.pending;
}

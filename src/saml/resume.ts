import type { Application } from '../applications/service.js';
import type { AppContext } from '../context.js';
import { decryptSecret, encryptSecret } from '../secrets.js';
import { refuse } from './refusal.js';
import type { PendingSignIn } from './signin.js';

/** How long the resume link of an HTTP-POST request stays valid, in milliseconds. */
const RESUME_LIFETIME_MS = 5 * 60_000;

/**
 * A cross-site POST carries no SameSite=Lax session cookie, so the checked request is
 * sealed (AES-GCM, the service's storage key) into a same-site GET link that does.
 */
export function resumeLink(ctx: AppContext, app: Application, pending: PendingSignIn): string {
  const sealed = encryptSecret(ctx.secrets.encryptionKey,
    JSON.stringify({ pending, expires: Date.now() + RESUME_LIFETIME_MS }));
  return `/saml2/${app.customValue}/resume?t=${encodeURIComponent(sealed)}`;
}

/** The pending sign-in of a resume link; throws SamlRefusal when expired or altered. */
export function openResumeLink(ctx: AppContext, app: Application, token: unknown):
  PendingSignIn {
  try {
    const { pending, expires } = JSON.parse(decryptSecret(ctx.secrets.encryptionKey,
      String(token))) as { pending: PendingSignIn; expires: number };
    if (expires > Date.now() && pending.applicationId === app.id) return pending;
  } catch {
    // An altered or foreign token is refused below like an expired one.
  }
  throw refuse('no_pending_request', 'This sign-in has expired. Start again from the '
    + 'application.');
}

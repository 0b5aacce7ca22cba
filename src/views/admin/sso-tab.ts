import { type Html, html } from '../html.js';
import { csrfField, type PageFrame } from '../layout.js';
import type { AppWindow } from './app-window.js';

/** Deactivate SSO (or activate it again), at the bottom of the SSO tab. */
function activationForm(frame: PageFrame, w: AppWindow): Html {
  const active = w.app.ssoActive;
  return html`<form method="post" action="/admin/applications/${w.app.id}/sso/activation"
 class="bottom-action">${csrfField(frame.csrf)}
<input type="hidden" name="active" value="${active ? 'false' : 'true'}">
<p>${active ? 'Deactivating SSO stops every sign-in to this application at once.'
    : 'SSO is deactivated: nobody can sign in to this application through it.'}</p>
<button type="submit" class="${active ? 'danger' : 'primary'}">${
    active ? 'Deactivate SSO' : 'Activate SSO'}</button></form>`;
}

/** The SSO tab. */
export function ssoTab(frame: PageFrame, w: AppWindow): Html {
  return html`<h2>SSO</h2>
<p>IdP URL: <code>${w.idpUrl}</code></p>
${activationForm(frame, w)}`;
}

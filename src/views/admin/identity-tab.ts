import { type Html, html } from '../html.js';
import type { AppWindow } from './app-window.js';

/** The Identity Management tab. */
export function identityTab(w: AppWindow): Html {
  return html`<h2>Identity Management</h2>
<p>Provisioning of users and groups to ${w.app.label} over SCIM is not available in this
 version of the service.</p>
<p><a class="button" href="/admin/applications/${w.app.id}/identity/import">Manual Import</a>
 users of ${w.app.label} into the directory.</p>`;
}

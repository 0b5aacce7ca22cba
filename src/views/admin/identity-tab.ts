import type { IntegrationView, MappingsView } from '../../provisioning/integrations.js';
import type { OperationView, ProvisionedUser } from '../../provisioning/service.js';
import { checkboxField, type FormState, inputField, selectField } from '../forms.js';
import { type Html, html } from '../html.js';
import { csrfField, type PageFrame } from '../layout.js';
import type { AppWindow } from './app-window.js';
import { shortTime } from './common.js';

export interface IdentityTabView {
  integration: IntegrationView;
  mappings: MappingsView;
  users: { items: ProvisionedUser[]; total: number };
  failed: OperationView[];
  /** Show the optional mappings as an editable list. */
  editMappings: boolean;
  config?: FormState;
}

const STATUS_TEXT: Record<IntegrationView['status'], string> = {
  unconfigured: 'Not configured',
  inactive: 'Configured, not active',
  active: 'Active',
};

function post(frame: PageFrame, w: AppWindow, path: string, label: string,
  style = ''): Html {
  return html`<form method="post" action="/admin/applications/${w.app.id}/identity${path}"
 class="inline">${csrfField(frame.csrf)}<button type="submit"${
    style ? html` class="${style}"` : ''}>${label}</button></form>`;
}

function statusSection(frame: PageFrame, w: AppWindow, i: IntegrationView): Html {
  const active = i.status === 'active';
  return html`<p>Status: <span class="badge badge-${active ? 'active' : 'inactive'}">${
    STATUS_TEXT[i.status]}</span>${i.activatedAt ? html` <span class="muted">since ${
    shortTime(i.activatedAt)}</span>` : ''}</p>
<div class="actions">${active ? html`${post(frame, w, '/sync', 'Sync now')}
${post(frame, w, '/deactivate', 'Deactivate IdM connection', 'danger')}`
    : i.status === 'inactive' ? post(frame, w, '/activate', 'Activate', 'primary') : ''}</div>`;
}

/** The numbers a custom profile is made of, as form fields. */
const CUSTOM_FIELDS = [
  ['requestsPerMinute', 'Custom: requests a minute'],
  ['concurrentReads', 'Custom: concurrent reads (GET)'],
  ['concurrentWrites', 'Custom: concurrent writes (POST, PUT, PATCH, DELETE)'],
] as const;

/** The connector's named profiles, then "Custom", which takes the numbers entered. */
function rateProfileOptions(i: IntegrationView): [string, string][] {
  return [...i.rateProfiles.map((p): [string, string] => [p.id, p.label]),
    ['custom', 'Custom (the numbers entered below)']];
}

function customRateFields(form: FormState): Html {
  return html`${CUSTOM_FIELDS.map(([name, label]) => inputField({ name, label, state: form,
    type: 'number', attrs: html` min="1" step="1"`,
    hint: 'Used when the profile is Custom.' }))}`;
}

function configForm(frame: PageFrame, w: AppWindow, view: IdentityTabView): Html {
  const i = view.integration;
  const form = view.config ?? { values: { baseUrl: i.baseUrl ?? i.capabilities?.defaultBaseUrl
    ?? '', rateProfile: i.rateProfile, requestsPerMinute: String(i.requestsPerMinute),
  concurrentReads: String(i.concurrentReads), concurrentWrites: String(i.concurrentWrites) },
  errors: {} };
  const manage = view.config ? form.values.manageGroups === 'on' : i.manageGroups;
  return html`<form method="post" action="/admin/applications/${w.app.id}/identity"
 class="card inset">${csrfField(frame.csrf)}
<h3>Configure</h3>
${i.capabilities?.supportsGroups ? checkboxField({ name: 'manageGroups', checked: manage,
    label: 'Enable management of User Groups and Group Membership in this application' })
    : ''}
${inputField({ name: 'baseUrl', label: 'Base URL', state: form, required: true,
    hint: 'The SCIM 2.0 endpoint of the application.' })}
${inputField({ name: 'token', label: 'API token', type: 'password', state: form,
    autocomplete: 'off', hint: i.tokenSet ? `A token ending in ${i.tokenLastFour} is set; `
      + 'leave empty to keep it. To change it, deactivate the integration first.'
      : 'The application\'s service account key.' })}
${selectField({ name: 'rateProfile', label: 'Rate limit profile', state: form,
    options: rateProfileOptions(i) })}
${customRateFields(form)}
<p class="hint">Now: ${i.requestsPerMinute} requests a minute, ${i.concurrentReads} concurrent
 reads, ${i.concurrentWrites} concurrent writes.</p>
<button type="submit" class="primary">${i.status === 'unconfigured' ? 'Configure'
    : 'Save configuration'}</button></form>`;
}

function mappingRows(rows: MappingsView['user']): Html {
  return html`${rows.map((m) => html`<tr><td><code>${m.scim}</code></td><td>${m.source}</td>
<td>${m.required ? 'Required' : 'Optional'}</td><td>${m.included ? 'Sent' : 'Excluded'}</td>
</tr>`)}`;
}

function mappingsSection(frame: PageFrame, w: AppWindow, view: IdentityTabView): Html {
  const m = view.mappings;
  const base = `/admin/applications/${w.app.id}/identity`;
  const table = html`<div class="table-wrap"><table><caption class="sr-only">User attributes
</caption><thead><tr><th scope="col">SCIM attribute</th><th scope="col">Directory property</th>
<th scope="col">Mapping</th><th scope="col">Sent</th></tr></thead>
<tbody>${mappingRows(m.user)}</tbody></table></div>`;
  const editor = html`<form method="post" action="${base}/mappings">${csrfField(frame.csrf)}
<fieldset><legend>Optional Mappings: check the attributes to send</legend>
${m.user.filter((a) => !a.required).map((a) => checkboxField({ name: 'included',
    value: a.scim, id: `map-${a.scim.replace(/\W/g, '-')}`, label: `${a.scim} (${a.source})`,
    checked: a.included }))}</fieldset>
<div class="actions"><button type="submit" class="primary">Update</button>
<a href="${base}">Cancel</a></div></form>
<form method="post" action="${base}/mappings/restore">${csrfField(frame.csrf)}
<button type="submit">Restore Defaults</button></form>`;
  return html`<section aria-labelledby="map-h"><h3 id="map-h">Export Attribute Mapping</h3>
${view.editMappings ? editor : html`${table}
<p><a class="button" href="${base}?edit=mappings">Edit</a></p>`}
<h4>Group attributes</h4><p><code>displayName</code> ← group name (required)</p></section>`;
}

function usersSection(frame: PageFrame, w: AppWindow, view: IdentityTabView): Html {
  const rows = view.users.items.map((u) => html`<tr><td>${u.username}</td>
<td>${u.directoryStatus ?? 'deleted'}</td><td><span class="badge">${u.state}</span>${
    u.queued ? html` <span class="muted">(change queued)</span>` : ''}</td>
<td class="details">${u.error ?? ''}</td></tr>`);
  const failed = view.failed.map((op) => html`<li>${op.kind} ${op.targetId}: ${
    op.lastError ?? 'failed'} ${post(frame, w, `/operations/${op.id}/retry`, 'Retry', 'small')}
</li>`);
  return html`<section aria-labelledby="users-h"><h3 id="users-h">Users in ${w.app.label}
 (${view.users.total})</h3>
${rows.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Username</th>
<th scope="col">Directory</th><th scope="col">Account state</th><th scope="col">Last error
</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p class="empty">No user is provisioned yet.</p>`}
${failed.length ? html`<h4>Failed operations</h4><ul>${failed}</ul>` : ''}</section>`;
}

/** Manual Import: bring the application's existing users into the directory. */
function importSection(w: AppWindow, i: IntegrationView): Html {
  return html`<section aria-labelledby="import-h"><h3 id="import-h">Manual Import</h3>
${i.status === 'active' ? html`<p>Create directory users from the users ${w.app.label}
 already has.</p>
<p><a class="button" href="/admin/applications/${w.app.id}/identity/import">Manual Import</a>
</p>` : html`<p class="muted">Available once the integration is active.</p>`}</section>`;
}

/** The Identity Management tab: configure, activate, mappings, sync, per-user state. */
export function identityTab(frame: PageFrame, w: AppWindow, view: IdentityTabView): Html {
  if (!view.integration.capabilities) {
    return html`<h2>Identity Management</h2>
<p>${w.app.label} offers no SCIM provisioning.</p>`;
  }
  return html`<h2>Identity Management</h2>
<p>Users and groups bound to ${w.app.label} are created, updated and deactivated there over
 SCIM 2.0 as they change here.</p>
${statusSection(frame, w, view.integration)}
${configForm(frame, w, view)}
${mappingsSection(frame, w, view)}
${usersSection(frame, w, view)}
${importSection(w, view.integration)}`;
}

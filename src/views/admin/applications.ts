import type { Connector } from '../../applications/catalog.js';
import type { Application } from '../../applications/service.js';
import type { SsoApplication } from '../../saml/service.js';
import { checkboxField, type FormState, inputField, radioGroup, textArea } from '../forms.js';
import { type Html, html, isolate } from '../html.js';
import { adminPage, csrfField, type PageFrame } from '../layout.js';

/** The small square shown for an application: its logo, or its colour indicator. */
export function appBadge(app: Pick<Application, 'portalImage' | 'portalLogo' | 'portalColor'
  | 'label'>, size: 'small' | 'large' = 'small'): Html {
  if (app.portalImage === 'logo' && app.portalLogo) {
    return html`<img class="app-logo ${size}" src="${app.portalLogo}" alt="">`;
  }
  // An SVG fill attribute, not a style attribute: the CSP refuses inline styles.
  return html`<svg class="app-color ${size}" viewBox="0 0 40 40" aria-hidden="true"
 focusable="false"><rect width="40" height="40" rx="8" fill="${app.portalColor}"/>
<text x="20" y="27" text-anchor="middle">${app.label.slice(0, 1).toUpperCase()}</text></svg>`;
}

/**
 * Whether sign-in works: "not configured" until the SP entity ID and ACS URL are set,
 * whatever the switch says, so an administrator never reads "active" for a dead link.
 */
export function ssoBadge(app: Pick<SsoApplication, 'ssoActive' | 'ssoConfigured'>): Html {
  if (!app.ssoConfigured) {
    return html`<span class="badge badge-unconfigured">SSO not configured</span>`;
  }
  return html`<span class="badge badge-${app.ssoActive ? 'active' : 'inactive'}">${
    app.ssoActive ? 'SSO active' : 'SSO inactive'}</span>`;
}

/** SSO Applications: configured applications with search, add and delete. */
export function appListPage(frame: PageFrame, view: { q: string; apps: SsoApplication[];
  idpBase: string }): Html {
  const rows = view.apps.map((a) => html`<tr data-href="/admin/applications/${a.id}">
<td class="check"><input type="checkbox" name="id" value="${a.id}" form="delete-form"
 id="select-${a.id}" aria-label="Select ${a.label}"></td>
<td>${appBadge(a)} <a href="/admin/applications/${a.id}">${isolate(a.label)}</a></td>
<td>${a.connector}</td><td class="url">${view.idpBase}${a.customValue}</td>
<td>${ssoBadge(a)}</td>
<td>${a.showInPortal ? 'Shown' : 'Hidden'}</td></tr>`);
  return adminPage(frame, html`<div class="page-head"><h1>SSO Applications</h1>
<a class="button primary" href="/admin/applications/new">+ Add New Application</a></div>
<form method="get" action="/admin/applications" class="search" role="search">
<label for="app-search">Search</label>
<input id="app-search" type="search" name="q" value="${view.q}"
 placeholder="Part of a name, connector or IdP URL value">
<button type="submit">Search</button></form>
<h2 class="sr-only">Configured Applications</h2>
${view.apps.length === 0 ? html`<p class="empty">${view.q ? 'No configured applications '
    + 'match this search.' : 'No applications yet. Click + Add New Application to add one.'
  }</p>` : html`<form method="get" action="/admin/applications/delete" id="delete-form"
 class="toolbar"><button type="submit" class="danger">Delete</button>
<span class="hint">Select applications with the boxes, then Delete.</span></form>
<div class="table-wrap"><table class="apps"><caption class="sr-only">Configured Applications
</caption><thead><tr><th scope="col"><span class="sr-only">Select</span></th>
<th scope="col">Name</th><th scope="col">Connector</th><th scope="col">IdP URL</th>
<th scope="col">SSO</th><th scope="col">User portal</th></tr></thead>
<tbody>${rows}</tbody></table></div>`}`);
}

/** Step 1 of adding an application: search the catalog and select a connector. */
export function catalogPage(frame: PageFrame, view: { q: string; connectors: Connector[];
  error?: string }): Html {
  const options = view.connectors.map((c) => html`<div class="radio catalog-item">
<input type="radio" name="connector" id="connector-${c.id}" value="${c.id}"${
    view.connectors.length === 1 ? html` checked` : ''}>
<label for="connector-${c.id}"><strong>${c.name}</strong><span>${c.description}</span>
</label></div>`);
  return adminPage(frame, html`<p class="crumbs"><a href="/admin/applications">SSO Applications
</a></p><h1>Add New Application</h1>
<form method="get" action="/admin/applications/new" class="search" role="search">
<label for="catalog-search">Search</label>
<input id="catalog-search" type="search" name="q" value="${view.q}"
 placeholder="Part of a name or description">
<button type="submit">Search</button></form>
${options.length === 0 ? html`<p class="empty">No application in the catalog matches this
 search. For any other SAML 2.0 service provider, search for Custom SAML.</p>`
    : html`<form method="get" action="/admin/applications/new/details" class="card">
<fieldset class="${view.error ? 'has-error' : ''}"><legend>Select an application</legend>
${options}${view.error ? html`<p class="field-error" role="alert">${view.error}</p>` : ''}
</fieldset><div class="actions"><button type="submit" class="primary">Next</button>
<a href="/admin/applications">Cancel</a></div></form>`}`);
}

/** Display label, description, user portal image and visibility: shared by two forms. */
export function appearanceFields(form: FormState, defaults: Pick<Application, 'label'
  | 'description' | 'portalImage' | 'portalColor' | 'showInPortal' | 'portalLogo'>): Html {
  const submitted = Object.keys(form.values).length > 0;
  const show = submitted ? form.values.showInPortal === 'on' : defaults.showInPortal;
  return html`${inputField({ name: 'label', label: 'Display label', state: form,
    initial: defaults.label })}
${textArea({ name: 'description', label: 'Description', state: form, rows: 2,
    initial: defaults.description, hint: 'Users see this in their user portal.' })}
${radioGroup({ name: 'portalImage', legend: 'User Portal Image', state: form,
    initial: defaults.portalImage, options: [['logo', 'Logo'], ['color', 'Color Indicator']] })}
${inputField({ name: 'logo', label: 'Logo image', state: form, type: 'file',
    hint: `PNG, JPEG, GIF or WebP, at most 100 KB.${defaults.portalLogo
      ? ' Leave empty to keep the current logo.' : ''}`,
    attrs: html` accept="image/png,image/jpeg,image/gif,image/webp"` })}
${inputField({ name: 'portalColor', label: 'Color indicator', type: 'color', state: form,
    initial: defaults.portalColor })}
${checkboxField({ name: 'showInPortal', label: 'Show in User Portal', checked: show,
    hint: 'Users allowed to reach the application see its tile in their user console.' })}`;
}

/** Step 2: label, description, image, visibility, and the custom IdP URL value. */
export function newAppPage(frame: PageFrame, view: { connector: Connector; form: FormState;
  idpBase: string }): Html {
  const c = view.connector;
  const value = view.form.values.customValue || c.defaultCustomValue;
  return adminPage(frame, html`<p class="crumbs"><a href="/admin/applications">SSO Applications
</a> › <a href="/admin/applications/new">Add New Application</a></p>
<h1>New application: ${c.name}</h1>
<form method="post" action="/admin/applications/new" enctype="multipart/form-data"
 class="card">${csrfField(frame.csrf)}
<input type="hidden" name="connector" value="${c.id}">
${appearanceFields(view.form, { label: c.name, description: '', portalImage: 'color',
    portalColor: '#3b5bdb', showInPortal: true, portalLogo: null })}
<details class="advanced"${view.form.errors.customValue ? html` open` : ''}>
<summary>Advanced Settings</summary>
${inputField({ name: 'customValue', label: 'IdP URL', state: view.form, prefix: view.idpBase,
    initial: c.defaultCustomValue, hint: 'Lower-case letters, digits and hyphens. The IdP URL '
      + 'cannot be edited after the application is created.',
    attrs: html` data-preview="idp-url-preview" data-base="${view.idpBase}"` })}
<p>Full IdP URL: <output id="idp-url-preview" for="f-customValue">${
    view.idpBase}${value}</output></p></details>
<div class="actions"><button type="submit" class="primary">Save Application</button>
<a href="/admin/applications">Cancel</a></div></form>`);
}

/** After saving: go on configuring, or close. */
export function savedPage(frame: PageFrame, app: Application, idpUrl: string): Html {
  return adminPage(frame, html`<section class="card narrow">
<h1>${isolate(app.label)} was saved</h1>
<p>IdP URL: <code>${idpUrl}</code></p>
<div class="actions"><a class="button primary" href="/admin/applications/${app.id}/sso">
Configure Application</a><a class="button" href="/admin/applications">Close</a></div>
</section>`);
}

/** Deleting: the selected applications and the number to type. */
export function deleteConfirmPage(frame: PageFrame, view: { apps: Application[];
  form: FormState }): Html {
  const n = view.apps.length;
  return adminPage(frame, html`<p class="crumbs"><a href="/admin/applications">SSO Applications
</a></p><section class="card narrow danger-zone" aria-labelledby="del-h">
<h1 id="del-h">Delete ${n === 1 ? 'application' : `${n} applications`}</h1>
<p>These applications, their SSO settings, certificates and group bindings are deleted.
Users lose access to them at once.</p>
<ul>${view.apps.map((a) => html`<li>${isolate(a.label)}
 <span class="muted">(${a.customValue})</span></li>`)}</ul>
<form method="post" action="/admin/applications/delete">${csrfField(frame.csrf)}
${view.apps.map((a) => html`<input type="hidden" name="id" value="${a.id}">`)}
${inputField({ name: 'count', label: 'Enter the number of applications you are deleting',
    state: view.form, required: true, attrs: html` inputmode="numeric" autocomplete="off"` })}
<div class="actions"><button type="submit" class="danger">Delete Application</button>
<a href="/admin/applications">Cancel</a></div></form></section>`);
}

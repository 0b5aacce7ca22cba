import type { Connector } from '../../applications/catalog.js';
import type { Group } from '../../directory/groups.js';
import { type FormState, type ListPage, pager, shownCheckbox } from '../forms.js';
import { type Html, html, isolate, type Part } from '../html.js';
import { adminPage, csrfField, type PageFrame } from '../layout.js';
import type { SsoApplication } from '../../saml/service.js';
import { appBadge, appearanceFields, ssoBadge } from './applications.js';

export type AppTab = 'general' | 'sso' | 'groups' | 'identity';

const TABS: [AppTab, string, string][] = [
  ['general', '', 'General Info'],
  ['sso', '/sso', 'SSO'],
  ['groups', '/groups', 'User Groups'],
  ['identity', '/identity', 'Identity Management'],
];

export interface AppWindow {
  app: SsoApplication;
  connector: Connector | undefined;
  idpUrl: string;
  tab: AppTab;
  /** Entries of the Actions menu (links or forms), when the application has any. */
  actions: Html[];
}

function header(w: AppWindow): Html {
  const actions = w.actions.length ? html`<details class="menu">
<summary>Actions</summary><ul>${w.actions.map((a) => html`<li>${a}</li>`)}</ul>
</details>` : '';
  return html`<div class="app-head">${appBadge(w.app, 'large')}<div>
<h1>${isolate(w.app.label)}</h1>
<p class="muted">${w.connector?.name ?? w.app.connector} · IdP URL <code>${w.idpUrl}</code>
· ${ssoBadge(w.app)}</p></div>${actions}</div>`;
}

/** The application's window: header, Actions menu, tabs and the open tab's panel. */
export function appWindowPage(frame: PageFrame, w: AppWindow, panel: Part): Html {
  const base = `/admin/applications/${w.app.id}`;
  const tabs = TABS.map(([id, path, label]) => html`<li><a href="${base}${path}"${
    id === w.tab ? html` aria-current="page"` : ''}>${label}</a></li>`);
  const current = TABS.find(([id]) => id === w.tab)?.[2] ?? '';
  return adminPage(frame, html`<p class="crumbs"><a href="/admin/applications">SSO
 Applications</a></p>
${header(w)}
<nav class="tabs" aria-label="Application settings"><ul>${tabs}</ul></nav>
<section class="card tab-panel" aria-label="${current}">${panel}</section>`);
}

/** General Info: how the application shows in the user portal; the IdP URL is fixed. */
export function generalTab(frame: PageFrame, w: AppWindow, form: FormState): Html {
  return html`<h2>General Info</h2>
<form method="post" action="/admin/applications/${w.app.id}" enctype="multipart/form-data">
${csrfField(frame.csrf)}
${appearanceFields(form, w.app)}
<div class="field"><span class="label">IdP URL</span><p><code>${w.idpUrl}</code></p>
<p class="hint">The IdP URL cannot be edited after the application is created. Delete the
 application and create it again to use a different one.</p></div>
<button type="submit" class="primary">Save</button></form>`;
}

/** User Groups: check the groups whose members may use the application. */
export function groupsTab(frame: PageFrame, w: AppWindow, groups: ListPage<Group>,
  bound: Set<string>): Html {
  const boxes = groups.items.map((g) => shownCheckbox({ name: 'groupIds', value: g.id,
    id: `bind-${g.id}`, label: html`${isolate(g.name)} (${g.memberCount} ${
      g.memberCount === 1 ? 'member' : 'members'})`, checked: bound.has(g.id) }));
  const base = `/admin/applications/${w.app.id}/groups`;
  const href = (offset: number) => (offset ? `${base}?offset=${offset}` : base);
  const paging = pager({ ...groups, href });
  return html`<h2>User Groups</h2>
<p>Users are denied by default. Members of the checked groups may sign in to
 ${isolate(w.app.label)}.</p>
${groups.total === 0 ? html`<p class="empty">No user groups exist yet.
 <a href="/admin/groups">Create one</a> first.</p>`
    : html`${paging}<form method="post" action="${href(groups.offset)}">
${csrfField(frame.csrf)}<fieldset><legend>Authorised groups</legend>${boxes}</fieldset>
${groups.total > groups.items.length ? html`<p class="hint">Save changes the groups on this
 page only.</p>` : ''}
<button type="submit" class="primary">Save</button></form>`}`;
}

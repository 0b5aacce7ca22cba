import type { Application } from '../../applications/service.js';
import type { Group } from '../../directory/groups.js';
import type { User } from '../../directory/users.js';
import { checkboxField, EMPTY_FORM, type FormState, inputField, pager } from '../forms.js';
import { type Html, html, isolate } from '../html.js';
import { adminPage, csrfField, type PageFrame } from '../layout.js';

export interface UserListView {
  q: string;
  offset: number;
  limit: number;
  items: User[];
  total: number;
}

function fullName(user: User): string {
  return user.displayName || [user.firstName, user.lastName].filter(Boolean).join(' ');
}

function statusBadge(status: User['status']): Html {
  return html`<span class="badge badge-${status}">${status}</span>`;
}

/** Users: search and the list, with a link to add one. */
export function userListPage(frame: PageFrame, view: UserListView): Html {
  const href = (offset: number) => `/admin/users?${new URLSearchParams({ q: view.q,
    offset: String(offset) })}`;
  const rows = view.items.map((u) => html`<tr>
<td><a href="/admin/users/${u.id}">${isolate(u.username)}</a></td>
<td>${isolate(fullName(u))}</td>
<td>${isolate(u.email)}</td><td>${statusBadge(u.status)}</td></tr>`);
  return adminPage(frame, html`<div class="page-head"><h1>Users</h1>
<a class="button primary" href="/admin/users/new">+ Add user</a></div>
<form method="get" action="/admin/users" class="search" role="search">
<label for="user-search">Search users</label>
<input id="user-search" type="search" name="q" value="${view.q}"
 placeholder="Start of a username, email, first, last or display name">
<button type="submit">Search</button></form>
${view.items.length === 0 ? html`<p class="empty">No users${view.q ? ' match this search'
    : ' yet'}.</p>` : html`<div class="table-wrap"><table>
<caption class="sr-only">Users</caption>
<thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Email</th>
<th scope="col">Status</th></tr></thead><tbody>${rows}</tbody></table></div>`}
${pager({ offset: view.offset, limit: view.limit, total: view.total, href })}`);
}

function profileFields(form: FormState, user?: User): Html {
  const init = (v: string | undefined) => v ?? '';
  return html`<div class="grid-2">
${inputField({ name: 'username', label: 'Username', state: form, required: true,
    initial: init(user?.username), autocomplete: 'off' })}
${inputField({ name: 'email', label: 'Company email', type: 'email', state: form,
    required: true, initial: init(user?.email), autocomplete: 'off' })}
${inputField({ name: 'firstName', label: 'First name', state: form,
    initial: init(user?.firstName) })}
${inputField({ name: 'lastName', label: 'Last name', state: form,
    initial: init(user?.lastName) })}
${inputField({ name: 'displayName', label: 'Display name', state: form,
    initial: init(user?.displayName) })}
${inputField({ name: 'jobTitle', label: 'Job title', state: form,
    initial: init(user?.jobTitle) })}
${inputField({ name: 'department', label: 'Department', state: form,
    initial: init(user?.department) })}
${inputField({ name: 'preferredLanguage', label: 'Preferred language', state: form,
    initial: init(user?.preferredLanguage), hint: 'A language tag such as en-GB' })}
</div>`;
}

/** The form to add a user. */
export function newUserPage(frame: PageFrame, form: FormState): Html {
  return adminPage(frame, html`<p class="crumbs"><a href="/admin/users">Users</a></p>
<h1>Add user</h1>
<form method="post" action="/admin/users" class="card">
${csrfField(frame.csrf)}
${profileFields(form)}
${inputField({ name: 'password', label: 'Password', type: 'password', state: form,
    autocomplete: 'new-password', hint: 'Optional; at least 8 characters. Without one the '
      + 'user cannot sign in until you set it.' })}
<div class="actions"><button type="submit" class="primary">Create user</button>
<a href="/admin/users">Cancel</a></div>
</form>`);
}

export interface UserDetailView {
  user: User;
  /** The groups listed as checkboxes, and how many the directory has in all. */
  groups: Group[];
  groupTotal: number;
  memberOf: Set<string>;
  applications: Application[];
  profile?: FormState;
  password?: FormState;
}

function statusSection(frame: PageFrame, user: User): Html {
  const suspend = user.status === 'active';
  return html`<section class="card" aria-labelledby="status-h"><h2 id="status-h">Status</h2>
<p>This user is ${statusBadge(user.status)}.${suspend ? '' : ' A suspended user cannot sign in.'}</p>
<form method="post" action="/admin/users/${user.id}/status">${csrfField(frame.csrf)}
<input type="hidden" name="status" value="${suspend ? 'suspended' : 'active'}">
<button type="submit"${suspend ? html` class="danger"` : ''}>${
    suspend ? 'Suspend user' : 'Activate user'}</button></form></section>`;
}

function passwordSection(frame: PageFrame, view: UserDetailView): Html {
  return html`<section class="card" aria-labelledby="password-h">
<h2 id="password-h">Set password</h2>
<p>${view.user.hasPassword ? 'The user has a password.' : 'The user has no password yet.'}</p>
<form method="post" action="/admin/users/${view.user.id}/password">${csrfField(frame.csrf)}
${inputField({ name: 'password', label: 'New password', type: 'password',
    state: view.password ?? EMPTY_FORM, required: true, autocomplete: 'new-password',
    hint: 'At least 8 characters' })}
<button type="submit">Set password</button></form>
<p>Or let the user choose one: a link that works once, for 72 hours.</p>
<form method="post" action="/admin/users/${view.user.id}/password-link">${
    csrfField(frame.csrf)}<button type="submit">Create set-password link</button></form>
</section>`;
}

/**
 * The group checkboxes, or why there are none. With more groups than the page lists the
 * form is left out: a save would drop the memberships it has no box for.
 */
function groupEditor(frame: PageFrame, view: UserDetailView, boxes: Html[]): Html {
  if (view.groups.length === 0) {
    return html`<p class="empty">No user groups exist yet.
<a href="/admin/groups">Create one</a>.</p>`;
  }
  if (view.groupTotal > view.groups.length) {
    return html`<p class="empty">The directory has ${String(view.groupTotal)} user groups,
 more than this page lists: add or remove this user on each group's page.</p>`;
  }
  return html`<form method="post" action="/admin/users/${view.user.id}/groups">${
    csrfField(frame.csrf)}
<fieldset><legend>Member of</legend>${boxes}</fieldset>
<button type="submit">Save groups</button></form>`;
}

function groupsSection(frame: PageFrame, view: UserDetailView): Html {
  const boxes = view.groups.map((g) => checkboxField({ name: 'groupIds', value: g.id,
    id: `group-${g.id}`, label: isolate(g.name), checked: view.memberOf.has(g.id) }));
  const apps = view.applications.map((a) => html`<li><a href="/admin/applications/${a.id}">${
    isolate(a.label)}</a></li>`);
  return html`<section class="card" aria-labelledby="groups-h">
<h2 id="groups-h">User groups</h2>
${groupEditor(frame, view, boxes)}
<h3>Applications this user reaches</h3>
${apps.length ? html`<ul>${apps}</ul>` : html`<p class="empty">None: the user is in no group
 bound to an application.</p>`}
</section>`;
}

/** One user: properties, status, password, groups and the applications they open. */
export function userDetailPage(frame: PageFrame, view: UserDetailView): Html {
  const { user } = view;
  return adminPage(frame, html`<p class="crumbs"><a href="/admin/users">Users</a></p>
<h1>${isolate(user.username)} ${statusBadge(user.status)}</h1>
<section class="card" aria-labelledby="props-h"><h2 id="props-h">Properties</h2>
<form method="post" action="/admin/users/${user.id}">${csrfField(frame.csrf)}
${profileFields(view.profile ?? EMPTY_FORM, user)}
<button type="submit" class="primary">Save properties</button></form></section>
${statusSection(frame, user)}
${passwordSection(frame, view)}
${groupsSection(frame, view)}`);
}

import type { Application } from '../../applications/service.js';
import type { Group } from '../../directory/groups.js';
import type { User } from '../../directory/users.js';
import { checkboxField, EMPTY_FORM, type FormState, inputField, type ListPage, pager,
  shownCheckbox, textArea } from '../forms.js';
import { type Html, html, isolate } from '../html.js';
import { adminPage, csrfField, type PageFrame } from '../layout.js';

/** User Groups: search, list, and the form to create one. */
export function groupListPage(frame: PageFrame, view: ListPage<Group> & { q: string;
  create: FormState }): Html {
  const href = (offset: number) => `/admin/groups?${new URLSearchParams({ q: view.q,
    offset: String(offset) })}`;
  const rows = view.items.map((g) => html`<tr>
<td><a href="/admin/groups/${g.id}">${isolate(g.name)}</a></td>
<td>${isolate(g.description)}</td>
<td class="num">${g.memberCount}</td></tr>`);
  return adminPage(frame, html`<h1>User Groups</h1>
<form method="get" action="/admin/groups" class="search" role="search">
<label for="group-search">Search groups</label>
<input id="group-search" type="search" name="q" value="${view.q}"
 placeholder="Part of a group name">
<button type="submit">Search</button></form>
${view.items.length === 0 ? html`<p class="empty">No user groups${view.q
    ? ' match this search' : ' yet: create the first one below'}.</p>`
    : html`<div class="table-wrap"><table><caption class="sr-only">User groups</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Description</th>
<th scope="col" class="num">Members</th></tr></thead><tbody>${rows}</tbody></table></div>`}
${pager({ ...view, href })}
<section class="card" aria-labelledby="create-h"><h2 id="create-h">Create a user group</h2>
<form method="post" action="/admin/groups">${csrfField(frame.csrf)}
${inputField({ name: 'name', label: 'Name', state: view.create, required: true })}
${textArea({ name: 'description', label: 'Description', state: view.create, rows: 2 })}
<button type="submit" class="primary">Create group</button></form></section>`);
}

export interface GroupDetailView {
  group: Group;
  members: ListPage<User>;
  applications: Application[];
  bound: Set<string>;
  rename?: FormState;
  addMember?: FormState;
}

function membersSection(frame: PageFrame, view: GroupDetailView): Html {
  const { group } = view;
  const rows = view.members.items.map((u) => html`<tr>
<td><a href="/admin/users/${u.id}">${isolate(u.username)}</a></td><td>${isolate(u.email)}</td>
<td><form method="post" action="/admin/groups/${group.id}/members/remove" class="inline">
${csrfField(frame.csrf)}<input type="hidden" name="userId" value="${u.id}">
<button type="submit" class="small" aria-label="Remove ${u.username} from the group">Remove
</button></form></td></tr>`);
  return html`<section class="card" aria-labelledby="members-h">
<h2 id="members-h">Members (${view.members.total})</h2>
${rows.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Username</th>
<th scope="col">Email</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
</thead><tbody>${rows}</tbody></table></div>` : html`<p class="empty">No members yet.</p>`}
${pager({ ...view.members, href: (offset) => `/admin/groups/${group.id}${
    offset ? `?offset=${offset}` : ''}` })}
<form method="post" action="/admin/groups/${group.id}/members" class="row-form">
${csrfField(frame.csrf)}
${inputField({ name: 'login', label: 'Add a member (username or email)',
    state: view.addMember ?? EMPTY_FORM, required: true })}
<button type="submit">Add member</button></form></section>`;
}

function applicationsSection(frame: PageFrame, view: GroupDetailView): Html {
  const boxes = view.applications.map((a) => shownCheckbox({ name: 'applicationIds',
    value: a.id, id: `app-${a.id}`, label: isolate(a.label), checked: view.bound.has(a.id) }));
  return html`<section class="card" aria-labelledby="apps-h">
<h2 id="apps-h">Applications</h2>
<p>Members of this group may sign in to the checked applications.</p>
${view.applications.length === 0 ? html`<p class="empty">No applications are configured yet.
</p>` : html`<form method="post" action="/admin/groups/${view.group.id}/applications">
${csrfField(frame.csrf)}<fieldset><legend>Bound applications</legend>${boxes}</fieldset>
<button type="submit">Save applications</button></form>`}</section>`;
}

/** One group: rename, members, bound applications, delete. */
export function groupDetailPage(frame: PageFrame, view: GroupDetailView): Html {
  const { group } = view;
  const rename = view.rename ?? EMPTY_FORM;
  return adminPage(frame, html`<p class="crumbs"><a href="/admin/groups">User Groups</a></p>
<h1>${isolate(group.name)}</h1>
<section class="card" aria-labelledby="details-h"><h2 id="details-h">Details</h2>
<form method="post" action="/admin/groups/${group.id}">${csrfField(frame.csrf)}
${inputField({ name: 'name', label: 'Name', state: rename, required: true,
    initial: group.name })}
${textArea({ name: 'description', label: 'Description', state: rename, rows: 2,
    initial: group.description })}
<button type="submit" class="primary">Save</button></form></section>
${membersSection(frame, view)}
${applicationsSection(frame, view)}
<section class="card danger-zone" aria-labelledby="delete-h">
<h2 id="delete-h">Delete group</h2>
<p>Members lose the access this group gives them. Users themselves are kept.</p>
<form method="post" action="/admin/groups/${group.id}/delete">${csrfField(frame.csrf)}
${checkboxField({ name: 'confirm', label: html`Yes, delete ${isolate(group.name)}`,
    checked: false })}
<button type="submit" class="danger">Delete group</button></form></section>`);
}

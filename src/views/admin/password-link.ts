import type { User } from '../../directory/users.js';
import type { PasswordLink } from '../../directory/password-links.js';
import { type Html, html } from '../html.js';
import { adminPage, type PageFrame } from '../layout.js';

/** A new set-password link, shown this once, to hand to the user. */
export function passwordLinkPage(frame: PageFrame, user: User, link: PasswordLink): Html {
  return adminPage(frame, html`<p class="crumbs"><a href="/admin/users">Users</a> ›
 <a href="/admin/users/${user.id}">${user.username}</a></p>
<h1>Set-password link for ${user.username}</h1>
<section class="card" aria-labelledby="link-h"><h2 id="link-h">Send this link to the user</h2>
<p><code id="password-link">${link.url}</code></p>
<p>It works once, until ${link.expiresAt} (UTC). It is shown only now; any earlier link of
 this user no longer works.</p>
<p><a href="/admin/users/${user.id}">Back to the user</a></p></section>`);
}

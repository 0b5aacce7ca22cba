import { SET_PASSWORD_PATH } from '../directory/password-links.js';
import { type FormState, inputField } from './forms.js';
import { type Html, html } from './html.js';
import { consolePage, csrfField, type PageFrame } from './layout.js';

/** The form a set-password link opens: the new password, twice. */
export function setPasswordPage(frame: PageFrame, username: string, token: string,
  form: FormState): Html {
  return consolePage(frame, html`<section class="card narrow">
<h1>Set your password</h1>
<p>Choose the password for <strong>${username}</strong>. The link works once.</p>
<form method="post" action="${SET_PASSWORD_PATH}">${csrfField(frame.csrf)}
<input type="hidden" name="token" value="${token}">
<input type="hidden" name="username" value="${username}" autocomplete="username">
${inputField({ name: 'password', label: 'New password', type: 'password', state: form,
    required: true, autocomplete: 'new-password', hint: 'At least 8 characters' })}
${inputField({ name: 'confirm', label: 'Repeat the password', type: 'password', state: form,
    required: true, autocomplete: 'new-password' })}
<button type="submit" class="primary">Set password</button></form></section>`);
}

/** Shown once the password is set. */
export function passwordSetPage(frame: PageFrame, username: string): Html {
  return consolePage(frame, html`<section class="card narrow">
<h1>Password set</h1>
<p id="password-set">The password of <strong>${username}</strong> is set. You can sign in
 with it now.</p><p><a href="/login">Sign in</a></p></section>`);
}

/** A link that cannot be used (unknown, used or expired), and what to do. */
export function linkRefusedPage(frame: PageFrame, message: string): Html {
  return consolePage(frame, html`<section class="card narrow">
<h1>This link cannot be used</h1><p id="link-refused">${message}</p></section>`);
}

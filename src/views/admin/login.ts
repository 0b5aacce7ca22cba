import { type FormState, inputField } from '../forms.js';
import { type Html, html } from '../html.js';
import { adminPage, csrfField, type PageFrame } from '../layout.js';

/** The admin portal's login form. */
export function loginPage(frame: PageFrame, form: FormState, next: string): Html {
  return adminPage(frame, html`<section class="card narrow">
<h1>Admin Portal login</h1>
<p>For administrators. Users sign in to the <a href="/">User Console</a>.</p>
<form method="post" action="/admin/login">
${csrfField(frame.csrf)}
<input type="hidden" name="next" value="${next}">
${inputField({ name: 'username', label: 'Username', state: form, required: true,
    autocomplete: 'username' })}
${inputField({ name: 'password', label: 'Password', state: form, type: 'password',
    required: true, autocomplete: 'current-password' })}
<button type="submit" class="primary">Log in</button>
</form></section>`);
}

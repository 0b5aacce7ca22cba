import { esc, page } from './html.js';

export interface LoginView {
  /** Local path to continue with after login. */
  continueTo: string;
  username?: string;
  error?: string;
}

/** The login form: fields `username` and `password`, and the hidden continuation. */
export function loginPage(view: LoginView): string {
  const error = view.error ? `<p role="alert" class="error">${esc(view.error)}</p>` : '';
  return page('Sign in', '<h1>Sign in</h1>' + error
    + '<form method="post" action="/login">'
    + `<input type="hidden" name="continue" value="${esc(view.continueTo)}">`
    + '<label>Username or email <input name="username" autocomplete="username" required '
    + `value="${esc(view.username ?? '')}"></label>`
    + '<label>Password <input type="password" name="password" '
    + 'autocomplete="current-password" required></label>'
    + '<button type="submit">Sign in</button></form>');
}

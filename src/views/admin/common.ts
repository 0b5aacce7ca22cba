import { type Html, html } from '../html.js';
import { adminPage, type PageFrame } from '../layout.js';

/** An error page of the admin portal (404, 403, 500...). */
export function adminErrorPage(frame: PageFrame, status: number, message: string): Html {
  const heading = status === 404 ? 'Not found' : status === 403 ? 'Not allowed'
    : status === 401 ? 'Login required' : status >= 500 ? 'Something went wrong'
      : 'Request refused';
  return adminPage(frame, html`<section class="card">
<h1>${heading}</h1>
<p>${message}</p>
<p><a href="/admin/applications">Back to the admin portal</a></p>
</section>`);
}

/** Short date and time in UTC, as shown in tables. */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

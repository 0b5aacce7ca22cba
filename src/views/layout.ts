import { CSRF_FIELD } from '../http/csrf.js';
import { type Html, html, type Part } from './html.js';

/** A notice shown at the top of a page: the outcome of the last action. */
export interface Notice {
  kind: 'success' | 'error';
  message: string;
}

/** What every page needs besides its own content. */
export interface PageFrame {
  title: string;
  csrf: string;
  notice?: Notice | undefined;
  /** The signed-in administrator, for the admin portal header. */
  admin?: string;
  /** The signed-in user, for the user console header. */
  user?: string;
  /** Which admin section is open, for aria-current in the navigation. */
  section?: AdminSection;
}

export type AdminSection = 'applications' | 'users' | 'groups' | 'insights';

const ADMIN_NAV: [AdminSection, string, string][] = [
  ['applications', '/admin/applications', 'SSO Applications'],
  ['users', '/admin/users', 'Users'],
  ['groups', '/admin/groups', 'User Groups'],
  ['insights', '/admin/insights', 'Directory Insights'],
];

/** The hidden CSRF field every state-changing form carries. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/** The outcome notice; an error is announced at once by screen readers. */
export function noticeBox(notice: Notice | undefined): Html {
  if (!notice) return html``;
  const role = notice.kind === 'error' ? 'alert' : 'status';
  return html`<div class="notice notice-${notice.kind}" role="${role}">${notice.message}</div>`;
}

function document(frame: PageFrame, bodyClass: string, header: Html, main: Part): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title}</title>
<link rel="stylesheet" href="/assets/styles.css">
<script src="/assets/pages.js" defer></script>
</head>
<body class="${bodyClass}">
<a class="skip-link" href="#main">Skip to content</a>
${header}
<main id="main" tabindex="-1">
${noticeBox(frame.notice)}
${main}
</main>
</body>
</html>`;
}

function logoutForm(action: string, csrf: string): Html {
  return html`<form method="post" action="${action}" class="inline">
${csrfField(csrf)}<button type="submit" class="link-button">Log out</button></form>`;
}

/** A page of the admin portal: header, section navigation, notice, content. */
export function adminPage(frame: PageFrame, main: Part): Html {
  const nav = frame.admin ? html`<nav aria-label="Admin sections"><ul>
${ADMIN_NAV.map(([id, href, label]) => html`<li><a href="${href}"${
    id === frame.section ? html` aria-current="page"` : ''}>${label}</a></li>`)}
</ul></nav>
<div class="who">Signed in as <strong>${frame.admin}</strong>
${logoutForm('/admin/logout', frame.csrf)}</div>` : '';
  const header = html`<header class="top"><a class="brand" href="/admin">Admin Portal</a>
${nav}</header>`;
  return document(frame, 'admin', header, main);
}

/** A page of the user console. */
export function consolePage(frame: PageFrame, main: Part): Html {
  const who = frame.user ? html`<div class="who">Signed in as <strong>${frame.user}</strong>
${logoutForm('/logout', frame.csrf)}</div>` : '';
  const header = html`<header class="top"><a class="brand" href="/">User Console</a>
${who}</header>`;
  return document(frame, 'console', header, main);
}

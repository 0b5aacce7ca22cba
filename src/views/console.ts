import { type FormState, inputField } from './forms.js';
import { type Html, html, isolate } from './html.js';
import { consolePage, csrfField, type PageFrame } from './layout.js';

/** One application tile of the user console. */
export interface ConsoleTile {
  label: string;
  description: string;
  /** Where the tile leads: the application's IdP-initiated sign-in. */
  href: string;
  portalImage: 'logo' | 'color';
  portalColor: string;
  portalLogo: string | null;
}

function tileImage(t: ConsoleTile): Html {
  if (t.portalImage === 'logo' && t.portalLogo) {
    return html`<img class="app-logo large" src="${t.portalLogo}" alt="">`;
  }
  // An SVG fill attribute, not a style attribute: the CSP refuses inline styles.
  return html`<svg class="app-color large" viewBox="0 0 40 40" aria-hidden="true"
 focusable="false"><rect width="40" height="40" rx="8" fill="${t.portalColor}"/>
<text x="20" y="27" text-anchor="middle">${t.label.slice(0, 1).toUpperCase()}</text></svg>`;
}

function tile(t: ConsoleTile): Html {
  return html`<li class="tile"><a class="tile-link" href="${t.href}">${tileImage(t)}
<span class="tile-label">${isolate(t.label)}</span>${t.description
    ? html`<span class="tile-desc">${isolate(t.description)}</span>` : ''}</a></li>`;
}

/** The user console home: a tile per application the user may open. */
export function consoleHomePage(frame: PageFrame, tiles: ConsoleTile[]): Html {
  const body = tiles.length > 0
    ? html`<ul class="tiles" aria-label="Your applications">${tiles.map(tile)}</ul>`
    : html`<section class="card empty-state"><h2>No applications yet</h2>
<p>Nothing has been shared with you so far. When your administrator gives you access to
 an application, it appears here.</p></section>`;
  return consolePage(frame, html`<h1>Applications</h1>
<p class="muted">Click an application to open it; you are signed in to it at once.</p>
${body}`);
}

/** The user console's login form; `continueTo` is where the sign-in goes on. */
export function consoleLoginPage(frame: PageFrame, form: FormState, continueTo: string): Html {
  return consolePage(frame, html`<section class="card narrow">
<h1>Sign in</h1>
<form method="post" action="/login">${csrfField(frame.csrf)}
<input type="hidden" name="continue" value="${continueTo}">
${inputField({ name: 'username', label: 'Username or email', state: form, required: true,
    autocomplete: 'username' })}
${inputField({ name: 'password', label: 'Password', type: 'password', state: form,
    required: true, autocomplete: 'current-password' })}
<button type="submit" class="primary">Sign in</button></form></section>`);
}

/** An error page of the user console (a refused form, a missing page). */
export function consoleErrorPage(frame: PageFrame, status: number, message: string): Html {
  const heading = status === 404 ? 'Not found' : status === 403 ? 'Not allowed'
    : status >= 500 ? 'Something went wrong' : 'Request refused';
  return consolePage(frame, html`<section class="card narrow"><h1>${heading}</h1>
<p>${message}</p><p><a href="/">Back to your applications</a></p></section>`);
}

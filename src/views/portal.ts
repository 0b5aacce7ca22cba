import { esc, page } from './html.js';

export interface PortalTile {
  label: string;
  description: string;
  /** IdP-initiated sign-in URL of the application. */
  href: string;
  color: string;
  logo: string | null;
}

function tile(t: PortalTile): string {
  const image = t.logo ? `<img src="${esc(t.logo)}" alt="" width="48" height="48">`
    : `<span class="swatch" style="background:${esc(t.color)}"></span>`;
  return `<li><a href="${esc(t.href)}">${image}<strong>${esc(t.label)}</strong></a>`
    + `<p>${esc(t.description)}</p></li>`;
}

/** The user portal home: the applications the user may open, and a logout button. */
export function portalPage(userName: string, tiles: PortalTile[]): string {
  const list = tiles.length > 0 ? `<ul class="tiles">${tiles.map(tile).join('')}</ul>`
    : '<p>No applications are available to you yet.</p>';
  return page('Applications', `<h1>Applications</h1><p>Signed in as ${esc(userName)}</p>`
    + list + '<form method="post" action="/logout"><button type="submit">Sign out</button>'
    + '</form>');
}

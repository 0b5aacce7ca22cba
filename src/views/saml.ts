import { esc, page } from './html.js';

export interface PostFormView {
  acsUrl: string;
  samlResponse: string;
  relayState?: string;
  /** Nonce allowed by the page's Content-Security-Policy for its one script. */
  nonce: string;
}

/**
 * The HTTP-POST binding: a form to the ACS URL that submits itself, with a button for
 * browsers that run no script.
 */
export function postFormPage(view: PostFormView): string {
  const relay = view.relayState === undefined ? ''
    : `<input type="hidden" name="RelayState" value="${esc(view.relayState)}">`;
  return page('Signing in', `<form method="post" action="${esc(view.acsUrl)}">`
    + `<input type="hidden" name="SAMLResponse" value="${esc(view.samlResponse)}">${relay}`
    + '<noscript><p>Script is off in this browser: press Continue to sign in.</p></noscript>'
    + '<button type="submit">Continue</button></form>'
    + `<script nonce="${esc(view.nonce)}">document.forms[0].submit();</script>`);
}

/** A refused sign-in: what went wrong, in words a user can pass to an administrator. */
export function samlErrorPage(title: string, message: string, code: string): string {
  return page(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p>`
    + `<p><small>Reference: ${esc(code)}</small></p><p><a href="/">Back to applications</a></p>`);
}

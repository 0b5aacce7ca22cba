import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import express, { type Request, type Response } from 'express';
import { type Html, html } from '../../../src/views/html.js';
import type { ScimSp, ScimSpUser } from '../scim-sp/index.js';
import { readIdpMetadata } from '../sp.js';

/*
 * A sample application for the demo: a real SAML service provider (node-saml) that
 * shows who signed in and the attributes it received, with a login button for
 * SP-initiated sign-in, and the account the application holds for that user over SCIM,
 * so a change made in the directory can be watched arriving.
 */

export interface SampleSp {
  url: string;
  entityId: string;
  acsUrl: string;
  /** Takes the IdP's entity ID, SSO URL and certificates from its published metadata. */
  configure(idpMetadataUrl: string): Promise<void>;
  stop(): Promise<void>;
}

interface SignIn {
  nameId: string;
  attributes: Record<string, unknown>;
  at: string;
}

const COOKIE = 'sample_sp';

function page(title: string, body: Html): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${title}</title><style>
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
button{font-size:1rem;padding:.4rem 1rem}</style></head>
<body><h1>${title}</h1>${body}</body></html>`.text;
}

function cookieOf(req: Request): string | undefined {
  const header = req.get('cookie') ?? '';
  return header.split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`))?.slice(COOKIE.length + 1);
}

/** The account the SCIM side holds for the signed-in user, by userName or email. */
function scimAccountOf(scim: ScimSp, nameId: string): ScimSpUser | undefined {
  const lc = nameId.toLowerCase();
  return scim.users().find((u) => u.userName.toLowerCase() === lc
    || (u.emails ?? []).some((e) => e.value.toLowerCase() === lc));
}

function attributeRows(attributes: Record<string, unknown>): Html[] {
  return Object.entries(attributes).map(([name, value]) =>
    html`<tr><th scope="row">${name}</th><td>${[value].flat().join(', ')}</td></tr>`);
}

function scimSection(account: ScimSpUser | undefined): Html {
  if (!account) {
    return html`<p id="scim-state">The application holds no account for this user yet.</p>`;
  }
  const fullName = account.name?.formatted
    ?? [account.name?.givenName, account.name?.familyName].filter(Boolean).join(' ');
  return html`<table id="scim-state"><tbody>
<tr><th scope="row">userName</th><td data-field="userName">${account.userName}</td></tr>
<tr><th scope="row">name</th><td data-field="name">${fullName}</td></tr>
<tr><th scope="row">displayName</th>
<td data-field="displayName">${account.displayName ?? ''}</td></tr>
<tr><th scope="row">title</th><td>${account.title ?? ''}</td></tr>
<tr><th scope="row">active</th><td data-field="active">${String(account.active)}</td></tr>
</tbody></table>`;
}

function homePage(scim: ScimSp, signIn: SignIn | undefined): string {
  const body = signIn ? html`<p>Signed in as <strong id="name-id">${signIn.nameId}</strong>
 at ${signIn.at}.</p>
<h2>Attributes received in the assertion</h2>
<table id="attributes"><tbody>${attributeRows(signIn.attributes)}</tbody></table>
<h2>The account this application holds (SCIM)</h2>
${scimSection(scimAccountOf(scim, signIn.nameId))}
<form method="post" action="/logout"><button type="submit">Log out</button></form>`
    : html`<p>Nobody is signed in.</p>
<form method="get" action="/login"><button type="submit">Log in with SSO</button></form>`;
  return page('Sample application', body);
}

/** node-saml set up from the IdP's metadata: signed assertions, SHA-256, email NameID. */
async function samlFromMetadata(idpMetadataUrl: string, entityId: string, acsUrl: string):
  Promise<SAML> {
  const answer = await fetch(idpMetadataUrl);
  if (!answer.ok) throw new Error(`IdP metadata: HTTP ${answer.status}`);
  const idp = readIdpMetadata(await answer.text());
  return new SAML({
    entryPoint: idp.ssoUrl, idpIssuer: idp.entityId, idpCert: idp.certificates,
    issuer: entityId, callbackUrl: acsUrl, audience: entityId,
    wantAssertionsSigned: true, wantAuthnResponseSigned: false,
    signatureAlgorithm: 'sha256', digestAlgorithm: 'sha256',
    identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    validateInResponseTo: ValidateInResponseTo.ifPresent,
  });
}

/** Checks a posted SAML response; the sign-in it proves, or throws why it is refused. */
async function acceptResponse(saml: SAML, body: Record<string, string>): Promise<SignIn> {
  const { profile } = await saml.validatePostResponseAsync(body);
  if (!profile) throw new Error('no profile in the response');
  return { nameId: profile.nameID, attributes: (profile.attributes ?? {}) as
    Record<string, unknown>, at: new Date().toISOString() };
}

const NOT_CONFIGURED = 'The identity provider is not configured yet';

/**
 * Starts the sample application on 127.0.0.1. It refuses sign-ins until `configure`
 * has given it the identity provider's metadata.
 */
export async function startSampleSp(scim: ScimSp, port = 0): Promise<SampleSp> {
  const signIns = new Map<string, SignIn>();
  let saml: SAML | null = null;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '512kb' }));
  const server: Server = app.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${url}/metadata`;
  const acsUrl = `${url}/saml/acs`;

  app.get('/', (req: Request, res: Response) => {
    res.set('cache-control', 'no-store').type('html')
      .send(homePage(scim, signIns.get(cookieOf(req) ?? '')));
  });

  app.get('/login', async (_req, res) => {
    if (!saml) return res.status(503).send(NOT_CONFIGURED);
    res.redirect(await saml.getAuthorizeUrlAsync('', undefined, {}));
  });

  app.post('/saml/acs', async (req, res) => {
    if (!saml) return res.status(503).send(NOT_CONFIGURED);
    try {
      const signIn = await acceptResponse(saml, req.body as Record<string, string>);
      const sid = randomBytes(24).toString('base64url');
      signIns.set(sid, signIn);
      res.set('set-cookie', `${COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`);
      res.redirect(303, '/');
    } catch (error) {
      res.status(400).type('html').send(page('Sign-in refused',
        html`<p>The SAML response was refused: ${(error as Error).message}</p>`));
    }
  });

  app.post('/logout', (req, res) => {
    signIns.delete(cookieOf(req) ?? '');
    res.set('set-cookie', `${COOKIE}=; Path=/; Max-Age=0`);
    res.redirect(303, '/');
  });

  return {
    url, entityId, acsUrl,
    async configure(idpMetadataUrl) {
      saml = await samlFromMetadata(idpMetadataUrl, entityId, acsUrl);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

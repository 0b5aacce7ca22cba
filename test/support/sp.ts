import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAML, type SamlConfig, ValidateInResponseTo } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import express from 'express';

/*
 * A real SAML service provider for tests: @node-saml/node-saml behind a tiny Express
 * server on 127.0.0.1, configured only from the IdP's published metadata.
 */

const NS_MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What the IdP metadata says, read with a plain DOM (no code of the IdP under test). */
export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

/** Reads entityID, the HTTP-Redirect SSO location and the signing certificates. */
export function readIdpMetadata(xml: string): IdpMetadata {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const root = doc.documentElement!;
  const sso = Array.from(doc.getElementsByTagNameNS(NS_MD, 'SingleSignOnService'))
    .find((e) => e.getAttribute('Binding') === REDIRECT);
  const certificates = Array.from(doc.getElementsByTagNameNS(NS_DS, 'X509Certificate'))
    .map((e) => (e.textContent ?? '').replace(/\s+/g, ''));
  return { entityId: root.getAttribute('entityID') ?? '',
    ssoUrl: sso?.getAttribute('Location') ?? '', certificates };
}

export interface TestSpOptions {
  /** Where the IdP publishes its metadata. */
  idpMetadataUrl: string;
  /** SP entity ID; default `http://sp.test/<random>`. */
  entityId?: string;
  /** PEM private key to sign AuthnRequests with (then the IdP needs the certificate). */
  privateKey?: string;
  /** Extra node-saml options (e.g. forceAuthn, passive, wantAuthnResponseSigned). */
  saml?: Partial<SamlConfig>;
}

export interface TestSp {
  /** Base URL of the SP, e.g. http://127.0.0.1:4567. */
  url: string;
  entityId: string;
  /** The ACS URL to register at the IdP (HTTP-POST). */
  acsUrl: string;
  /** GET: starts SP-initiated sign-in with HTTP-Redirect; ?RelayState= is passed on. */
  loginRedirectUrl: string;
  /** GET: an auto-posting form that starts SP-initiated sign-in with HTTP-POST. */
  loginPostUrl: string;
  idp: IdpMetadata;
  /** The node-saml instances (redirect and post bindings) for direct use in tests. */
  redirectSaml: SAML;
  postSaml: SAML;
  stop(): Promise<void>;
}

function postForm(action: string, fields: Record<string, unknown>): string {
  const inputs = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) =>
    `<input type="hidden" name="${k}" value="${String(v).replace(/&/g, '&amp;')
      .replace(/"/g, '&quot;').replace(/</g, '&lt;')}">`).join('');
  return `<!doctype html><form method="post" action="${action}">${inputs}`
    + '<button type="submit">Go</button></form><script>document.forms[0].submit()</script>';
}

/**
 * Starts the SP. `POST /acs` answers 200 with JSON `{ nameID, attributes, relayState,
 * inResponseTo }` when node-saml accepts the response, 401 `{ error }` otherwise.
 */
export async function startTestSp(options: TestSpOptions): Promise<TestSp> {
  const metadataXml = await (await fetch(options.idpMetadataUrl)).text();
  const idp = readIdpMetadata(metadataXml);
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = options.entityId ?? `http://sp.test/${Math.random().toString(36).slice(2)}`;
  const base: SamlConfig = {
    callbackUrl: `${url}/acs`,
    entryPoint: idp.ssoUrl,
    issuer: entityId,
    idpIssuer: idp.entityId,
    idpCert: idp.certificates,
    audience: entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    validateInResponseTo: ValidateInResponseTo.ifPresent,
    ...(options.privateKey ? { privateKey: options.privateKey } : {}),
    ...options.saml,
  };
  const redirectSaml = new SAML(base);
  // HTTP-POST carries the request as plain XML (SAML bindings 3.5.4), never deflated.
  const postSaml = new SAML({ ...base, authnRequestBinding: 'HTTP-POST',
    skipRequestCompression: true });
  // Both instances must recognise the request IDs either one issued.
  const shared = (base as { cacheProvider?: unknown }).cacheProvider;
  if (!shared) (postSaml as unknown as { cacheProvider: unknown }).cacheProvider =
    (redirectSaml as unknown as { cacheProvider: unknown }).cacheProvider;

  // The application's own page, whose button starts SP-initiated sign-in.
  app.get('/', (_req, res) => {
    res.type('html').send('<!doctype html><title>Test SP</title><h1>Test SP</h1>'
      + '<p><a href="/login">Log in with SSO</a></p>');
  });
  app.get('/login', async (req, res) => {
    const relay = typeof req.query.RelayState === 'string' ? req.query.RelayState : '';
    res.redirect(await redirectSaml.getAuthorizeUrlAsync(relay, undefined, {}));
  });
  app.get('/login-post', async (req, res) => {
    const relay = typeof req.query.RelayState === 'string' ? req.query.RelayState : '';
    const message = await postSaml.getAuthorizeMessageAsync(relay, undefined, {});
    res.type('html').send(postForm(idp.ssoUrl, message as Record<string, unknown>));
  });
  app.post('/acs', express.urlencoded({ extended: false, limit: '1mb' }), async (req, res) => {
    try {
      const { profile } = await redirectSaml.validatePostResponseAsync(req.body);
      res.json({ nameID: profile?.nameID, nameIDFormat: profile?.nameIDFormat,
        attributes: profile?.attributes ?? {}, inResponseTo: profile?.inResponseTo ?? null,
        sessionIndex: profile?.sessionIndex, relayState: req.body.RelayState ?? null });
    } catch (error) {
      res.status(401).json({ error: (error as Error).message });
    }
  });

  return {
    url, entityId, acsUrl: `${url}/acs`, idp, redirectSaml, postSaml,
    loginRedirectUrl: `${url}/login`, loginPostUrl: `${url}/login-post`,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

/*
 * HTTP-Redirect AuthnRequests as a service provider sends them, each with its own ID:
 * the IdP refuses a replayed ID, so a load run needs as many requests as it sends.
 */

function authnRequestXml(issuer: string, destination: string, acsUrl: string): string {
  const id = `_bench${randomBytes(16).toString('hex')}`;
  return '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    + `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" `
    + `IssueInstant="${new Date().toISOString()}" Destination="${destination}" `
    + `AssertionConsumerServiceURL="${acsUrl}" `
    + 'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">'
    + `<saml:Issuer>${issuer}</saml:Issuer></samlp:AuthnRequest>`;
}

/** `count` request paths (path and query) for the IdP URL of one application. */
export function redirectRequestPaths(count: number, app: { idpUrl: string; spEntityId: string;
  acsUrl: string }): string[] {
  const path = new URL(app.idpUrl).pathname;
  return Array.from({ length: count }, () => {
    const encoded = deflateRawSync(Buffer.from(authnRequestXml(app.spEntityId, app.idpUrl,
      app.acsUrl))).toString('base64');
    return `${path}?SAMLRequest=${encodeURIComponent(encoded)}&RelayState=bench`;
  });
}

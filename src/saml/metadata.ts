import { pemBody } from '../certs/generate.js';
import { attr } from './canonical.js';

const NS_MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export interface IdpMetadataInput {
  /** The IdP entity ID, which is also its SSO endpoint URL. */
  entityId: string;
  ssoUrl: string;
  /** PEM certificates to publish for signing: the active one, then a next one. */
  certificates: string[];
  nameIdFormats: string[];
  wantAuthnRequestsSigned: boolean;
}

function keyDescriptor(pem: string): string {
  return `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="${NS_DS}"><ds:X509Data>`
    + `<ds:X509Certificate>${pemBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`
    + '</md:KeyDescriptor>';
}

/** The IdP metadata document of one application. */
export function idpMetadataXml(input: IdpMetadataInput): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<md:EntityDescriptor xmlns:md="${NS_MD}" entityID="${attr(input.entityId)}">`
    + '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"'
    + ` WantAuthnRequestsSigned="${input.wantAuthnRequestsSigned}">`
    + input.certificates.map(keyDescriptor).join('')
    + input.nameIdFormats.map((f) => `<md:NameIDFormat>${attr(f)}</md:NameIDFormat>`).join('')
    + `<md:SingleSignOnService Binding="${BINDING_REDIRECT}" Location="${attr(input.ssoUrl)}"/>`
    + `<md:SingleSignOnService Binding="${BINDING_POST}" Location="${attr(input.ssoUrl)}"/>`
    + '</md:IDPSSODescriptor></md:EntityDescriptor>';
}

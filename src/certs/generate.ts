import { createHash, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** RSA modulus length of generated keys, in bits. 2048 is the floor SAML peers expect. */
export const KEY_BITS = 2048;

export interface GeneratedCertificate {
  certificatePem: string;
  /** PKCS#8 PEM. Only ever handed to storage, never to a client or a log. */
  privateKeyPem: string;
  /** Hex SHA-256 of the DER certificate, colon-free lower case. */
  fingerprintSha256: string;
  notBefore: string;
  notAfter: string;
}

/** A positive 16-byte serial number, as RFC 5280 asks (no leading 1 bit). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/** The certificate's subject and issuer: it names the application it signs for. */
function subjectOf(commonName: string): forge.pki.CertificateField[] {
  return [
    { name: 'commonName', value: commonName.slice(0, 64) },
    { name: 'organizationName', value: 'Identity Platform' },
  ];
}

/** forge writes PEM with CRLF; files handed to administrators use plain line feeds. */
function unixLines(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}

/** DER bytes of a forge certificate. */
export function certificateDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

/**
 * Generates an RSA key pair and a self-signed X.509 certificate signed with SHA-256.
 * `validityDays` counts from now; the subject's common name is `commonName`.
 */
export function generateCertificate(commonName: string, validityDays: number):
  GeneratedCertificate {
  const keys = forge.pki.rsa.generateKeyPair({ bits: KEY_BITS, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + validityDays * 86_400_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subjectOf(commonName));
  cert.setIssuer(subjectOf(commonName));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const privateKeyPem = unixLines(forge.pki.privateKeyInfoToPem(
    forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keys.privateKey))));
  return {
    certificatePem: unixLines(forge.pki.certificateToPem(cert)),
    privateKeyPem,
    fingerprintSha256: createHash('sha256').update(certificateDer(cert)).digest('hex'),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
  };
}

/** The base64 body of a PEM certificate, without armour or line breaks. */
export function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

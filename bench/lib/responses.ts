import { createPrivateKey } from 'node:crypto';
import * as samlify from 'samlify';
import { generateCertificate, pemBody } from '../../src/certs/generate.js';
import type { SigningKey } from '../../src/certs/service.js';
import { buildLoginResponse } from '../../src/saml/response.js';
import { timeLoop } from './stats.js';

/*
 * Login responses built in this process, on one core: the service's own builder and
 * samlify's stock IdP path, for the same user and SP, so their rates compare directly.
 */

const SP_ENTITY = 'https://stock.sp.example.com/metadata';
const ACS = 'https://stock.sp.example.com/acs';
const IDP_ENTITY = 'https://idp.example.com/saml2/stock';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

let material: { keyPem: string; certPem: string } | null = null;

function keyMaterial(): { keyPem: string; certPem: string } {
  if (!material) {
    const generated = generateCertificate('bench', 30);
    material = { keyPem: generated.privateKeyPem, certPem: generated.certificatePem };
  }
  return material;
}

/** CPU seconds this process used since `before`. */
function cpuSeconds(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/**
 * Responses per CPU second from the service's own builder, with the key parsed once as
 * the service keeps it.
 */
export function ownResponsesPerSecond(signResponse: boolean, seconds: number): number {
  const { keyPem, certPem } = keyMaterial();
  const key: SigningKey = { id: 'bench', key: createPrivateKey(keyPem),
    certificateBase64: pemBody(certPem) } as SigningKey;
  const build = () => buildLoginResponse({
    issuer: IDP_ENTITY, audience: SP_ENTITY, acsUrl: ACS, inResponseTo: null,
    nameId: 'bench@example.com', nameIdFormat: EMAIL_FORMAT,
    attributes: [['email', ['bench@example.com']]],
    authnInstant: new Date().toISOString(), sessionIndex: '_bench', signResponse,
  }, key);
  timeLoop(build, 0.3);
  const cpuBefore = process.cpuUsage();
  const { runs } = timeLoop(build, seconds, 10);
  return runs / cpuSeconds(cpuBefore);
}

function stockEntities(signResponse: boolean) {
  const { keyPem, certPem } = keyMaterial();
  const idp = samlify.IdentityProvider({
    entityID: IDP_ENTITY, privateKey: keyPem, signingCert: certPem,
    nameIDFormat: [EMAIL_FORMAT],
    singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect,
      Location: IDP_ENTITY }],
  });
  const sp = samlify.ServiceProvider({
    entityID: SP_ENTITY, wantAssertionsSigned: true, wantMessageSigned: signResponse,
    assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post,
      Location: ACS }],
  });
  return { idp, sp };
}

/**
 * samlify's stock login responses per CPU second: its default template, its signing path
 * (XML parse, XPath, the PEM key and certificate read on each signature).
 */
export async function stockResponsesPerSecond(signResponse: boolean, seconds: number):
  Promise<number> {
  const { idp, sp } = stockEntities(signResponse);
  const user = { email: 'bench@example.com' };
  const build = () => idp.createLoginResponse(sp, null as never, 'post', user);
  // Warm up first: samlify's first calls pay for module set-up and compilation.
  const warm = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - warm) < 0.5e9) await build();
  const start = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let runs = 0;
  while (runs < 5 || Number(process.hrtime.bigint() - start) < seconds * 1e9) {
    await build();
    runs += 1;
  }
  return runs / cpuSeconds(cpuBefore);
}

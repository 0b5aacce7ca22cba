import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { timeLoop } from './stats.js';

/** Key size of the application signing keys the service generates. */
export const SIGNING_KEY_BITS = 2048;

/**
 * Bytes of a typical SignedInfo element: what an IdP actually signs for each response
 * (the digest of the assertion is inside it, so its size does not grow with the assertion).
 */
const SIGNED_INFO = Buffer.from(`<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${
  '<ds:Reference URI="#_0123456789abcdef0123456789abcdef01234567">'.repeat(4)}</ds:SignedInfo>`);

export interface SigningKeys { keyObject: KeyObject; pem: string }

let keys: SigningKeys | null = null;

/** One RSA key pair of the application's size, made once per run. */
export function signingKeys(): SigningKeys {
  if (!keys) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: SIGNING_KEY_BITS });
    keys = { keyObject: privateKey,
      pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }
  return keys;
}

/** A signing rate by the clock and by the CPU time this process actually got. */
export interface SigningRate { perSecond: number; perCpuSecond: number }

/**
 * RSA-SHA256 signatures per second on this thread (one core) for about `seconds`, with the
 * key as a parsed KeyObject or as a PEM string (which OpenSSL parses again on every call).
 * On a busy machine the clock rate drops while the rate per CPU second holds.
 */
export function signaturesPerSecond(form: 'keyObject' | 'pem', seconds = 2): SigningRate {
  const { keyObject, pem } = signingKeys();
  const key = form === 'keyObject' ? keyObject : pem;
  timeLoop(() => sign('sha256', SIGNED_INFO, key), 0.2);
  const cpuBefore = process.cpuUsage();
  const { runs, seconds: took } = timeLoop(() => sign('sha256', SIGNED_INFO, key), seconds, 20);
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: runs / took, perCpuSecond: runs / ((cpu.user + cpu.system) / 1e6) };
}

/** A KeyObject parsed from the PEM, as the service would hold its key. */
export function parsedKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

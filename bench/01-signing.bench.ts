import { figureMaker, type Benchmark } from './lib/benchmark.js';
import { SIGNING_KEY_BITS, signaturesPerSecond } from './lib/signing.js';

const figure = figureMaker('signing');

/** The physical limit of an IdP that signs every response: RSA signatures on one core. */
const signing: Benchmark = {
  id: 'signing',
  title: `RSA-${SIGNING_KEY_BITS} SHA-256 signatures per second on one core`,
  async run(context) {
    context.progress('signing with a parsed KeyObject, then with a PEM string');
    const keyObject = signaturesPerSecond('keyObject', 3);
    const pem = signaturesPerSecond('pem', 3);
    return [
      figure('signatures/s, KeyObject (the signing limit)', keyObject.perSecond, '/s',
        undefined, 'one thread, key parsed once'),
      figure('signatures per CPU second, KeyObject', keyObject.perCpuSecond, '/s'),
      figure('signatures/s, PEM string', pem.perSecond, '/s', undefined,
        'one thread, key re-parsed on every signature'),
      figure('PEM / KeyObject', pem.perCpuSecond / keyObject.perCpuSecond, 'ratio',
        undefined, 'per CPU second'),
    ];
  },
};

export default signing;

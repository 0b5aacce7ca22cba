// `npm run demo`: the whole product on this machine, with sample data, until Ctrl-C.
import { type Demo, startDemo } from './demo.js';

/** A port from the environment; 0 lets the system pick one. */
function port(name: string, fallback: string): number {
  const raw = process.env[name] || fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a port number, got "${raw}"`);
  }
  return value;
}

/** Starts the demo, stopping it again at once should Ctrl-C come while it starts. */
async function main(): Promise<void> {
  let stopRequested = false;
  const early = () => {
    stopRequested = true;
  };
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  const demo = await startDemo({ port: port('PORT', '8080'), env: process.env,
    sampleAppPort: port('SAMPLE_APP_PORT', '0'), scimPort: port('SCIM_SP_PORT', '0') });
  process.removeListener('SIGINT', early);
  process.removeListener('SIGTERM', early);
  if (stopRequested) {
    await demo.stop();
    return;
  }
  announce(demo);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the demo...\n');
    demo.stop().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`unclean stop: ${String(error)}\n`);
      process.exit(1);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Prints the URLs and credentials to try the demo with. */
function announce(demo: Demo): void {
  const users = demo.users.map((u) => `    ${u.username.padEnd(18)} password ${u.password}`
    + `   (${u.name}; ${u.allowed ? 'in Engineering, may use Sample App'
      : 'in Sales, denied Sample App'})`);
  process.stdout.write([
    '',
    'Demo running (all on 127.0.0.1; data is temporary and removed on exit).',
    '',
    `  Sample application (SAML SP):  ${demo.sampleAppUrl}   <- press "Log in with SSO"`,
    `  User console:                  ${demo.serviceUrl}/`,
    `  Admin portal:                  ${demo.serviceUrl}/admin`,
    `      username ${demo.admin.username}   password ${demo.admin.password}`,
    `  Admin API key (x-api-key):     ${demo.admin.apiKey}`,
    `  Test SCIM service provider:    ${demo.scimBaseUrl}`,
    '',
    '  Sample users:',
    ...users,
    '',
    'Try: sign in to the sample application, then change Ada\'s name in the admin',
    'portal (Users > ada@example.com) and reload the sample application: the account',
    'it holds follows.',
    'Manual Import: Admin portal > SSO Applications > Sample App > Identity Management.',
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ].join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`The demo could not start: ${error instanceof Error ? error.message
    : String(error)}\n`);
  process.exit(1);
});

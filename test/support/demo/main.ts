// `npm run demo`: the whole product on this machine, with sample data, until Ctrl-C.
import { startDemo } from './demo.js';

function port(): number {
  const raw = process.env.PORT ?? '8080';
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`PORT must be a port number, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const demo = await startDemo({ port: port(), logLevel: process.env.LOG_LEVEL ?? 'warn' });
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

main().catch((error: unknown) => {
  process.stderr.write(`The demo could not start: ${error instanceof Error ? error.message
    : String(error)}\n`);
  process.exit(1);
});

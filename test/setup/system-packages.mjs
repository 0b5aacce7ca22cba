// Installs the system packages the tests need on a fresh machine: Debian's Chromium for
// the browser tests. Does nothing when they are present already.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() !== 0) {
    console.error(`${CHROMIUM} is missing: run "apt-get install -y chromium" as root first`);
    process.exit(1);
  }
  console.log('installing Debian chromium for the browser tests');
  const apt = (...args) => execFileSync('apt-get', args, {
    stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  apt('update');
  apt('install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core');
}

// Installs the system packages the tests need on a fresh machine: Debian's Chromium for
// the browser tests and PostgreSQL's server binaries (initdb, postgres) for the tests
// that run the service on PostgreSQL. Does nothing when they are present already.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';

/** True when a folder on PATH or Debian's /usr/lib/postgresql/<version>/bin has both. */
function hasPostgres() {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const debian = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').map((v) => join('/usr/lib/postgresql', v, 'bin'))
    : [];
  return [...onPath, ...debian].some((dir) =>
    existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

const missing = [];
if (!existsSync(CHROMIUM)) missing.push('chromium', 'fonts-dejavu-core');
if (!hasPostgres()) missing.push('postgresql');

if (missing.length > 0) {
  if (process.getuid?.() !== 0) {
    console.error(`missing system packages: run "apt-get install -y ${missing.join(' ')}" `
      + 'as root first');
    process.exit(1);
  }
  console.log(`installing Debian packages for the tests: ${missing.join(' ')}`);
  const apt = (...args) => execFileSync('apt-get', args, {
    stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  apt('update');
  apt('install', '-y', '--no-install-recommends', ...missing);
}

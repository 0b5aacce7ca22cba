import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/*
 * The lowest versions that carry every published security fix of the SAML and XML
 * stack. The audit service is out of reach here, so the installed tree is read instead:
 * every copy of each package, however deeply nested, must be at or above its floor.
 */
const FLOORS: Record<string, string[]> = {
  samlify: ['2.13.1'],
  'xml-crypto': ['6.3.2'],
  // One floor per release line in use: 0.8.x and 0.9.x both get fixes.
  '@xmldom/xmldom': ['0.8.15', '0.9.12'],
  'node-forge': ['1.4.4'],
};

/** Every installed package.json under node_modules, nested copies included. */
function installedPackages(dir: string, found: { name: string; version: string;
  path: string }[] = []) {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (entry.startsWith('@')) {
      installedPackages(path, found);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string; version?: string };
      if (name && version) found.push({ name, version, path });
    }
    installedPackages(join(path, 'node_modules'), found);
  }
  return found;
}

function parts(version: string): number[] {
  return version.split(/[.+-]/).slice(0, 3).map(Number);
}

/** a >= b for plain x.y.z versions. */
function atLeast(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i += 1) {
    if (x[i]! !== y[i]!) return x[i]! > y[i]!;
  }
  return true;
}

/** The floor for a version: the one of its release line (same major.minor), else the lowest. */
function floorFor(version: string, floors: string[]): string {
  const line = parts(version).slice(0, 2).join('.');
  return floors.find((f) => parts(f).slice(0, 2).join('.') === line)
    ?? floors.slice().sort((a, b) => (atLeast(a, b) ? 1 : -1))[0]!;
}

describe('installed dependencies carry their security fixes', () => {
  const installed = installedPackages('node_modules');

  it('finds the packages it guards', () => {
    for (const name of Object.keys(FLOORS)) {
      assert.ok(installed.some((p) => p.name === name), `${name} is installed`);
    }
  });

  it('has no copy below its floor anywhere in the tree', () => {
    const below = installed.filter((p) => FLOORS[p.name]
      && !atLeast(p.version, floorFor(p.version, FLOORS[p.name]!)))
      .map((p) => `${p.path} ${p.version}`);
    assert.deepEqual(below, []);
  });

  it('compares versions the way the floors need', () => {
    assert.equal(atLeast('0.8.14', floorFor('0.8.14', FLOORS['@xmldom/xmldom']!)), false);
    assert.equal(atLeast('0.9.11', floorFor('0.9.11', FLOORS['@xmldom/xmldom']!)), false);
    assert.equal(atLeast('0.7.13', floorFor('0.7.13', FLOORS['@xmldom/xmldom']!)), false);
    assert.equal(atLeast('0.10.0', floorFor('0.10.0', FLOORS['@xmldom/xmldom']!)), true);
    assert.equal(atLeast('6.10.0', '6.3.2'), true);
  });
});

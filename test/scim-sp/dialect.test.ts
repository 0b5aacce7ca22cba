import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startScimSp, type ScimSp, type ScimSpDialect } from '../support/scim-sp/index.js';
import { groupPayload, patchOps, scimClient, userPayload, type ScimClient } from './client.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What a client meets on the three requests the Asana dialect refuses. */
async function threeRefusableRequests(scim: ScimClient) {
  const ada = (await scim.post('/Users', userPayload('ada@example.com'))).body;
  const nameParts = await scim.patch(`/Users/${ada.id}`,
    patchOps({ op: 'replace', path: 'name.givenName', value: 'Augusta' }));
  await scim.patch(`/Users/${ada.id}`, patchOps({ op: 'replace', path: 'active', value: false }));
  const reactivation = await scim.patch(`/Users/${ada.id}`,
    patchOps({ op: 'replace', path: 'active', value: true }));
  const team = (await scim.post('/Groups', groupPayload('Team', [ada.id]))).body;
  const groupDelete = await scim.delete(`/Groups/${team.id}`);
  return { ada, team, nameParts, reactivation, groupDelete };
}

async function withSp(dialect: ScimSpDialect | undefined,
  use: (sp: ScimSp, scim: ScimClient) => Promise<void>): Promise<void> {
  const sp = await startScimSp(dialect ? { dialect } : {});
  try {
    await use(sp, scimClient(sp, sp.token));
  } finally {
    await sp.stop();
  }
}

describe('the dialects of the test service provider', () => {
  it('refuses name parts, reactivation and group deletion by default, as Asana does',
    () => withSp(undefined, async (sp, scim) => {
      const { ada, team, nameParts, reactivation, groupDelete } =
        await threeRefusableRequests(scim);
      assert.equal(nameParts.status, 400);
      assert.equal(reactivation.status, 400);
      assert.equal(reactivation.body.scimType, 'mutability');
      assert.equal(groupDelete.status, 405);
      assert.equal(sp.users().find((u) => u.id === ada.id)?.active, false);
      assert.ok(sp.groups().some((g) => g.id === team.id));
      assert.equal((await scim.delete(`/Users/${ada.id}`)).status, 204);
      assert.equal(sp.users().find((u) => u.id === ada.id)?.active, false, 'the account stays');
    }));

  it('accepts all three as a generic SCIM 2.0 server, and DELETE removes a user',
    () => withSp('generic', async (sp, scim) => {
      const { ada, team, nameParts, reactivation, groupDelete } =
        await threeRefusableRequests(scim);
      assert.equal(nameParts.status, 200);
      assert.equal(reactivation.status, 200);
      assert.equal(groupDelete.status, 204);
      const stored = sp.users().find((u) => u.id === ada.id);
      assert.equal(stored?.name?.givenName, 'Augusta');
      assert.equal(stored?.active, true);
      assert.equal(sp.groups().some((g) => g.id === team.id), false);
      assert.equal((await scim.delete(`/Users/${ada.id}`)).status, 204);
      assert.equal(sp.users().some((u) => u.id === ada.id), false);
      assert.equal((await scim.get(`/Users/${ada.id}`)).status, 404);
    }));

  it('refuses an unknown dialect, listing the known ones', async () => {
    await assert.rejects(startScimSp({ dialect: 'okta' as ScimSpDialect }),
      { name: 'RangeError', message: /dialect must be one of asana, generic/ });
  });
});

/** Runs `npm run scim-sp`'s program with `env`; resolves its first lines or exit. */
function runCli(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/scim-sp/cli.ts'], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', SCIM_SP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const started = new Promise<{ baseUrl: string; token: string; banner: string }>(
    (resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        const [banner, base, token] = lines;
        if (token) {
          resolve({ banner: banner!, baseUrl: base!.replace(/^base URL: +/, ''),
            token: token.replace(/^token: +/, '') });
        }
      });
    });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return { child, started, stderr, exited };
}

describe('npm run scim-sp', () => {
  let cli: ReturnType<typeof runCli>;
  before(() => {
    cli = runCli({ SCIM_SP_DIALECT: 'generic' });
  });
  after(async () => {
    cli.child.kill('SIGTERM');
    await cli.exited;
  });

  it('with SCIM_SP_DIALECT=generic serves as a generic SCIM 2.0 server', async () => {
    const { banner, baseUrl, token } = await cli.started;
    assert.match(banner, /generic SCIM 2\.0 server/);
    const { nameParts, reactivation, groupDelete } =
      await threeRefusableRequests(scimClient({ baseUrl }, token));
    assert.deepEqual([nameParts.status, reactivation.status, groupDelete.status],
      [200, 200, 204]);
  });

  it('refuses to start with an unknown SCIM_SP_DIALECT, naming the choices', async () => {
    const bad = runCli({ SCIM_SP_DIALECT: 'strict' });
    const outcome = await Promise.race([bad.exited, bad.started.then(() => 'started')]);
    if (outcome === 'started') bad.child.kill('SIGTERM');
    assert.equal(outcome, 1);
    assert.match(bad.stderr.join('\n'), /SCIM_SP_DIALECT must be one of asana, generic/);
  });
});

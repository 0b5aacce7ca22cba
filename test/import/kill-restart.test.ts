import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserService } from '../../src/directory/users.js';
import { SYSTEM } from '../../src/insights/events.js';
import { profileFromScim, type ScimUser } from '../../src/provisioning/import/mapping.js';
import { openDatabase } from '../../src/store/db.js';
import { now } from '../../src/store/db.js';
import { stopService } from '../support/process.js';
import { startScimSp, type ScimSp } from '../support/scim-sp/index.js';
import { childAppWithIdm, type ChildService, importedNames, startChild, untilJob } from
  './child.js';
import { api, outbox, seedNewUsers } from './support.js';

/**
 * Leaves the first undecided item as a process killed in the middle of a create leaves
 * it: marked `creating`, and its directory user made. Returns that user's name.
 */
async function crashInCreate(dataDir: string, jobId: string): Promise<string> {
  const database = await openDatabase({ dataDir, databaseUrl: null });
  try {
    const item = await database.db.selectFrom('import_job_items').selectAll()
      .where('job_id', '=', jobId).where('state', '!=', 'done').orderBy('position')
      .executeTakeFirstOrThrow();
    const source = JSON.parse(item.source!) as ScimUser;
    const mapped = profileFromScim(source);
    assert.ok(mapped.ok);
    await database.db.updateTable('import_job_items').set({ state: 'creating',
      started_at: now() }).where('job_id', '=', jobId).where('position', '=', item.position)
      .execute();
    await new UserService(database.db, 10).create(mapped.profile, SYSTEM);
    return item.user_name;
  } finally {
    await database.close();
  }
}

describe('the service killed in the middle of a large import', () => {
  const root = mkdtempSync(join(tmpdir(), 'idp-kill-'));
  const env = { DATA_DIR: join(root, 'data'), CERTS_DIR: join(root, 'certs'),
    IMPORT_LEASE_SECONDS: '2' };
  let sp: ScimSp;
  let service: ChildService | undefined;

  before(async () => {
    sp = await startScimSp();
  });
  after(async () => {
    if (service) await stopService(service.process);
    await sp.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('resumes after a restart with no duplicate, and completes with one notice', async () => {
    service = await startChild(env);
    const { apiKey } = service;
    const appId = await childAppWithIdm(service, sp);
    const names = seedNewUsers(sp, 250).map((u) => u.userName);
    const jobId = (await api(service).post(`/applications/${appId}/import`,
      { userNames: names }).expect(202)).body.job.id as string;
    await untilJob(service, jobId, (j) => j.done >= 20);
    service.process.child.kill('SIGKILL');
    await service.process.exited;
    service = undefined;
    const crashed = await crashInCreate(env.DATA_DIR, jobId);

    // The killed process's lease lapses on its own; then the new one takes the job.
    service = await startChild(env, apiKey);
    const final = await untilJob(service, jobId, (j) => j.notifiedAt !== null);
    assert.equal(final.done, 250);
    // The user made before the kill is the job's own: created, not "already present".
    assert.deepEqual(final.counts, { created: 250, alreadyPresent: 0, skipped: 0 });
    const results = (await api(service).get(`/import-jobs/${jobId}`).expect(200)).body
      .results as { userName: string; outcome: string }[];
    assert.equal(results.find((r) => r.userName === crashed)?.outcome, 'created');

    const users = await api(service).get('/users?limit=500').expect(200);
    const usernames = (users.body.items as { username: string }[]).map((u) => u.username);
    assert.equal(usernames.length, 250);
    assert.equal(new Set(usernames).size, 250);
    assert.equal(outbox(env.DATA_DIR).length, 1);
    // One event per user, the one made before the kill included.
    const events = await importedNames(service);
    assert.equal(events.length, 250);
    assert.deepEqual(new Set(events), new Set(names));
  });
});

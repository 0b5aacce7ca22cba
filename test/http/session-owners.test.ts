import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/db.js';
import { databaseAsOf } from '../support/migrations.js';

describe('the migration to sessions that name their user', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-owners-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('gives each session stored before it the user its data names', async () => {
    const expires = new Date(Date.now() + 3600_000).toISOString();
    await databaseAsOf(dataDir, '0010-event-filters', async (db) => {
      await db.insertInto('sessions').values([
        { sid: 'console', data: JSON.stringify({ userId: 'u1' }), expires_at: expires },
        { sid: 'admin', data: JSON.stringify({ adminId: 'a1' }), expires_at: expires },
      ]).execute();
    });
    const database = await openDatabase({ dataDir, databaseUrl: null });
    try {
      const rows = await database.db.selectFrom('sessions').select(['sid', 'user_id'])
        .orderBy('sid').execute();
      assert.deepEqual(rows, [{ sid: 'admin', user_id: null },
        { sid: 'console', user_id: 'u1' }]);
    } finally {
      await database.close();
    }
  });
});

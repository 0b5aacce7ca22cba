import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { User } from '../../src/directory/users.js';
import { SYSTEM } from '../../src/insights/events.js';
import { openDatabase } from '../../src/store/db.js';
import { UserService } from '../../src/directory/users.js';
import {
  type AdminClient, adminClient, assertError, createGroup, createUser,
} from '../support/admin-api.js';
import { databaseAsOf } from '../support/migrations.js';
import { startTestService, type TestService } from '../support/service.js';

const usernames = (body: { items: User[] }) => body.items.map((u) => u.username);

describe('letter case beyond ASCII', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
    await createUser(api, { username: 'elodie', firstName: 'Élodie', lastName: 'Ångström' });
    await createUser(api, { username: 'oeztuerk', firstName: 'Ömer',
      displayName: 'ÄÖÜ Öztürk' });
  });
  after(() => service.dispose());

  it('finds users by a non-ASCII name start in any letter case', async () => {
    for (const q of ['élodie', 'ÉLODIE', 'Élo', 'ångs', 'ÅNGSTRÖM']) {
      assert.deepEqual(usernames((await api.get(`/users?q=${encodeURIComponent(q)}`)
        .expect(200)).body), ['elodie'], q);
    }
    assert.deepEqual(usernames((await api.get(`/users?name=${encodeURIComponent('äöü')}`)
      .expect(200)).body), ['oeztuerk']);
    assert.deepEqual(usernames((await api.get(`/users?q=${encodeURIComponent('ömer')}`)
      .expect(200)).body), ['oeztuerk']);
  });

  it('keeps group names unique and searchable regardless of non-ASCII case', async () => {
    const group = await createGroup(api, { name: 'Ärzte Süd' });
    assertError(await api.post('/groups').send({ name: 'ÄRZTE SÜD' }), 409, 'duplicate_group');
    assertError(await api.post('/groups').send({ name: 'ärzte süd' }), 409, 'duplicate_group');
    const found = await api.get(`/groups?q=${encodeURIComponent('ÄRZTE s')}`).expect(200);
    assert.deepEqual(found.body.items.map((g: { id: string }) => g.id), [group.id]);
  });
});

describe('application search beyond ASCII', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.dispose());

  it('finds an application by a non-ASCII label in any letter case', async () => {
    const { applications } = service.ctx;
    const app = await applications.create('custom-saml', { label: 'Équipe Zürich',
      customValue: 'equipe' }, SYSTEM);
    await applications.create('custom-saml', { label: 'Other', customValue: 'other' }, SYSTEM);
    for (const q of ['ÉQUIPE', 'zürich', 'ZÜR', 'EQUIPE']) {
      assert.deepEqual((await applications.list(q)).map((a) => a.id), [app.id], q);
    }
  });
});

describe('the migration to folded name columns', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-fold-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('folds the names of users stored before it', async () => {
    await databaseAsOf(dataDir, '0007-service-state', async (db) => {
      await db.insertInto('users').values({
        id: 'u1', username: 'elodie', username_lc: 'elodie', email: 'e@example.com',
        email_lc: 'e@example.com', first_name: 'Élodie', last_name: 'Ääs',
        display_name: 'Élodie Ääs', created_at: 'x', updated_at: 'x',
      }).execute();
    });
    const database = await openDatabase({ dataDir, databaseUrl: null });
    try {
      const users = new UserService(database.db, 10);
      const page = await users.list({ q: 'ÉLODIE', limit: 10, offset: 0 });
      assert.deepEqual(page.items.map((u) => u.username), ['elodie']);
      const byName = await users.list({ name: 'ääs', limit: 10, offset: 0 });
      assert.equal(byName.total, 1);
      await users.update('u1', { lastName: 'Östlund' }, SYSTEM);
      assert.equal((await users.list({ q: 'östl', limit: 10, offset: 0 })).total, 1);
    } finally {
      await database.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type User, UserService } from '../../src/directory/users.js';
import { openDatabase } from '../../src/store/db.js';
import { databaseAsOf } from '../support/migrations.js';
import { SYSTEM } from '../../src/insights/events.js';
import { adminAgent, csrfOf } from '../support/admin-agent.js';
import { type AdminClient, adminClient, createUser } from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

/** "é" written as "e" and a combining acute accent, as some keyboards and files send it. */
const DECOMPOSED_E = 'e\u0301';
const COMPOSED_E = '\u00e9';

const usernames = (body: { items: User[] }) => body.items.map((u) => u.username);

describe('accented letters typed in either Unicode form', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
  });
  after(() => service.dispose());

  const stored = async (username: string) => service.ctx.db.selectFrom('users')
    .select(['first_name', 'first_name_lc', 'department'])
    .where('username', '=', username).executeTakeFirstOrThrow();

  it('stores API input composed and finds it by either form', async () => {
    await createUser(api, { username: 'zero', firstName: `Z${DECOMPOSED_E}ro`,
      department: `R${DECOMPOSED_E}seau` });
    assert.deepEqual(await stored('zero'), { first_name: `Z${COMPOSED_E}ro`,
      first_name_lc: `z${COMPOSED_E}ro`, department: `R${COMPOSED_E}seau` });
    for (const name of [`Z${COMPOSED_E}`, `Z${DECOMPOSED_E}`, `z${DECOMPOSED_E}RO`]) {
      const res = await api.get(`/users?name=${encodeURIComponent(name)}`).expect(200);
      assert.deepEqual(usernames(res.body), ['zero'], name);
      const q = await api.get(`/users?q=${encodeURIComponent(name)}`).expect(200);
      assert.deepEqual(usernames(q.body), ['zero'], name);
    }
  });

  it('composes a change made through the API', async () => {
    const user = await createUser(api, { username: 'renee' });
    await api.patch(`/users/${user.id}`).send({ firstName: `Ren${DECOMPOSED_E}e` })
      .expect(200);
    assert.equal((await stored('renee')).first_name, `Ren${COMPOSED_E}e`);
  });

  it('composes what the admin portal form sends', async () => {
    const agent = await adminAgent(service.url, service.adminPassword);
    const page = await agent.get('/admin/users/new').expect(200);
    await agent.post('/admin/users').type('form').send({ _csrf: csrfOf(page.text),
      username: 'jose', email: 'jose@example.com', firstName: `Jos${DECOMPOSED_E}` })
      .expect(303);
    assert.equal((await stored('jose')).first_name, `Jos${COMPOSED_E}`);
  });

  it('composes profiles the directory service is given, as an import gives them',
    async () => {
      await service.ctx.users.create({ username: 'andre', email: 'andre@example.com',
        firstName: `Andr${DECOMPOSED_E}` }, SYSTEM);
      assert.equal((await stored('andre')).first_name, `Andr${COMPOSED_E}`);
    });
});

describe('the migration to composed profile texts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-nfc-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('composes the texts of users stored before it, and their lower-case forms',
    async () => {
      await databaseAsOf(dataDir, '0014-login-failures', async (db) => {
        await db.insertInto('users').values({
          id: 'u1', username: 'zero', username_lc: 'zero', email: 'z@example.com',
          email_lc: 'z@example.com', first_name: `Z${DECOMPOSED_E}ro`,
          first_name_lc: `z${DECOMPOSED_E}ro`, last_name: 'Plain', last_name_lc: 'plain',
          display_name: '', display_name_lc: '', department: `R${DECOMPOSED_E}seau`,
          created_at: 'x', updated_at: 'x',
        }).execute();
      });
      const database = await openDatabase({ dataDir, databaseUrl: null });
      try {
        const row = await database.db.selectFrom('users')
          .select(['first_name', 'first_name_lc', 'last_name', 'department'])
          .executeTakeFirstOrThrow();
        assert.deepEqual(row, { first_name: `Z${COMPOSED_E}ro`,
          first_name_lc: `z${COMPOSED_E}ro`, last_name: 'Plain',
          department: `R${COMPOSED_E}seau` });
        const users = new UserService(database.db, 10);
        assert.equal((await users.list({ name: `Z${COMPOSED_E}`, limit: 10, offset: 0 }))
          .total, 1);
      } finally {
        await database.close();
      }
    });
});

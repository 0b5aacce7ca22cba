import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  type AdminClient, adminClient, assertError, createUser, userInput,
} from '../support/admin-api.js';
import { startTestService, type TestService } from '../support/service.js';

describe('profile input on the admin API', () => {
  let service: TestService;
  let api: AdminClient;
  before(async () => {
    service = await startTestService();
    api = adminClient(service);
  });
  after(() => service.dispose());

  it('refuses control characters in every profile text, changing nothing', async () => {
    const user = await createUser(api, { department: 'Research' });
    for (const field of ['firstName', 'lastName', 'displayName', 'jobTitle', 'department']) {
      for (const bad of ['Ada\nLovelace', 'Ada\u0000', 'tab\there', '\u001b[31mred']) {
        const created = await api.post('/users').send(userInput({ [field]: bad }));
        assertError(created, 400, 'invalid_request');
        assert.equal(created.body.error.details.fields[field],
          'must not contain control characters');
        assertError(await api.patch(`/users/${user.id}`).send({ [field]: bad }), 400,
          'invalid_request');
      }
    }
    assert.equal((await api.get(`/users/${user.id}`).expect(200)).body.department, 'Research');
    const accepted = await createUser(api, { displayName: 'Åsa Öberg-Łukasik 李 😀' });
    assert.equal(accepted.displayName, 'Åsa Öberg-Łukasik 李 😀');
  });

  it('refuses half of a character (a lone surrogate), changing nothing', async () => {
    const user = await createUser(api, { firstName: 'Zoe' });
    for (const bad of ['\ud800', 'Zo\udfffe']) {
      const created = await api.post('/users').send(userInput({ firstName: bad }));
      assertError(created, 400, 'invalid_request');
      assert.equal(created.body.error.details.fields.firstName,
        'must not contain half of a character');
      assertError(await api.patch(`/users/${user.id}`).send({ firstName: bad }), 400,
        'invalid_request');
    }
    assert.equal((await api.get(`/users/${user.id}`).expect(200)).body.firstName, 'Zoe');
  });

  it('takes BCP 47 language tags for preferredLanguage and nothing else', async () => {
    const user = await createUser(api);
    for (const tag of ['en', 'de-CH', 'zh-Hant-TW', 'es-419', '']) {
      const res = await api.patch(`/users/${user.id}`).send({ preferredLanguage: tag })
        .expect(200);
      assert.equal(res.body.preferredLanguage, tag);
    }
    for (const bad of ['english', 'en_US', 'de-', '12', 'en US']) {
      const res = await api.patch(`/users/${user.id}`).send({ preferredLanguage: bad });
      assertError(res, 400, 'invalid_request');
      assert.match(res.body.error.details.fields.preferredLanguage, /BCP 47/);
    }
    assert.equal((await api.get(`/users/${user.id}`).expect(200)).body.preferredLanguage, '');
  });

  it('indexes the event log by outcome and by resource type', async () => {
    const { rows } = await sql<{ name: string }>`select name from sqlite_master
      where type = 'index' and tbl_name = 'events'`.execute(service.ctx.db);
    const names = rows.map((row) => row.name);
    assert.ok(names.includes('events_outcome'), names.join(', '));
    assert.ok(names.includes('events_resource_type'), names.join(', '));
  });
});

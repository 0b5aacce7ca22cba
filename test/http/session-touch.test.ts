import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionData } from 'express-session';
import type { KyselyPlugin } from 'kysely';
import { DatabaseSessionStore } from '../../src/http/session.js';
import { startTestService, type TestService } from '../support/service.js';

/** A signed-in session's data whose cookie expires `ms` milliseconds after `base`. */
function expiringAt(base: number, ms: number, userId: string | null = 'user-1'):
  SessionData {
  return { cookie: { expires: new Date(base + ms), originalMaxAge: ms },
    ...(userId ? { userId } : {}) } as SessionData;
}

describe('rolling session expiry in the database', () => {
  let service: TestService;
  let store: DatabaseSessionStore;
  const base = Date.now();

  before(async () => {
    service = await startTestService();
    store = new DatabaseSessionStore(service.ctx.db);
    await new Promise<void>((resolve, reject) => store.set('sid-1', expiringAt(base, 3_600_000),
      (error) => (error ? reject(error) : resolve())));
  });
  after(() => service.dispose());

  const touch = (data: SessionData) => new Promise<void>((resolve, reject) =>
    store.touch('sid-1', data, (error) => (error ? reject(error) : resolve())));
  const storedExpiry = async () => (await service.ctx.db.selectFrom('sessions')
    .select('expires_at').where('sid', '=', 'sid-1').executeTakeFirstOrThrow()).expires_at;

  it('keeps the stored expiry when it would move by less than a minute', async () => {
    const before = await storedExpiry();
    await touch(expiringAt(base, 3_600_000 + 30_000));
    assert.equal(await storedExpiry(), before);
  });

  it('moves the stored expiry once it would move by a minute or more', async () => {
    await touch(expiringAt(base, 3_600_000 + 90_000));
    assert.equal(await storedExpiry(), new Date(base + 3_600_000 + 90_000).toISOString());
  });

  it('asks the database nothing when the expiry it last read is fresh enough', async () => {
    const queries: string[] = [];
    const plugin: KyselyPlugin = {
      transformQuery: (args) => {
        queries.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const counted = new DatabaseSessionStore(service.ctx.db.withPlugin(plugin));
    const stored = Date.parse(await storedExpiry());
    const data = await new Promise<SessionData | null | undefined>((resolve, reject) =>
      counted.get('sid-1', (error, found) => (error ? reject(error) : resolve(found))));
    assert.ok(data);
    const touchCounted = (ms: number) => new Promise<void>((resolve, reject) =>
      counted.touch('sid-1', expiringAt(stored, ms), (e) => (e ? reject(e) : resolve())));
    await touchCounted(20_000);
    assert.deepEqual(queries, ['SelectQueryNode']);
    await touchCounted(70_000);
    assert.deepEqual(queries, ['SelectQueryNode', 'UpdateQueryNode']);
    assert.equal(await storedExpiry(), new Date(stored + 70_000).toISOString());
  });

  it('keeps a session nobody signed in with for an hour, not for its cookie\'s eight',
    async () => {
      const eightHours = 8 * 3600_000;
      await new Promise<void>((resolve, reject) => store.set('anonymous',
        expiringAt(Date.now(), eightHours, null),
        (error) => (error ? reject(error) : resolve())));
      const row = await service.ctx.db.selectFrom('sessions').select('expires_at')
        .where('sid', '=', 'anonymous').executeTakeFirstOrThrow();
      const left = Date.parse(row.expires_at) - Date.now();
      assert.ok(left <= 3600_000 && left > 3500_000, `${left} ms left`);
    });
});

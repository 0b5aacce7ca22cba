import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordEvent, SYSTEM } from '../../src/insights/events.js';
import { adminAgent } from '../support/admin-agent.js';
import { startTestService, type TestService } from '../support/service.js';

type Agent = Awaited<ReturnType<typeof adminAgent>>;

/** Rows of the events table in page order: [time, type, outcome]. */
function eventRows(page: string): string[][] {
  return [...page.matchAll(/<time datetime="([^"]+)">[^<]*<\/time><\/td>\s*<td>([^<]+)<\/td>\s*<td><span class="badge badge-(\w+)">/g)]
    .map((m) => [m[1]!, m[2]!, m[3]!]);
}

describe('Directory Insights pages', () => {
  let service: TestService;
  let agent: Agent;
  let appId: string;
  let userId: string;

  before(async () => {
    service = await startTestService();
    agent = await adminAgent(service.url, service.adminPassword);
    const app = await service.ctx.applications.create('asana', { label: 'Asana' }, SYSTEM);
    appId = app.id;
    const user = await service.ctx.users.create({ username: 'kim', email: 'kim@example.com' },
      SYSTEM);
    userId = user.id;
    for (let i = 0; i < 3; i += 1) {
      await recordEvent(service.ctx.db, { type: 'sso_login', outcome: i === 0 ? 'failure'
        : 'success', initiator: { type: 'user', id: userId, name: 'kim' }, userId,
      applicationId: appId, resource: { type: 'application', id: appId, name: '=HYPERLINK()' },
      details: { n: i } });
    }
    for (let i = 0; i < 60; i += 1) {
      await service.ctx.groups.create({ name: `Team ${i}` }, SYSTEM);
    }
  });
  after(() => service.dispose());

  it('lists events newest first and pages to older ones', async () => {
    const first = await agent.get('/admin/insights').expect(200);
    const rows = eventRows(first.text);
    assert.equal(rows.length, 50);
    const times = rows.map((r) => r[0]!);
    assert.deepEqual([...times].sort().reverse(), times);
    assert.equal(rows[0]![1], 'group_create');
    const older = /href="\/admin\/insights\?cursor=(\d+)">Older events/.exec(first.text);
    assert.ok(older, 'an Older events link');
    const next = await agent.get(`/admin/insights?cursor=${older[1]}`).expect(200);
    const nextRows = eventRows(next.text);
    assert.ok(nextRows.length > 0);
    assert.ok(nextRows[0]![0]! <= rows[49]![0]!);
  });

  it('filters by type, outcome, user and application', async () => {
    const res = await agent.get('/admin/insights').query({ type: 'sso_login',
      outcome: 'success', user: 'KIM@example.com', application: appId }).expect(200);
    const rows = eventRows(res.text);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r[1] === 'sso_login' && r[2] === 'success'));
  });

  it('shows an unknown user filter as a field error', async () => {
    const res = await agent.get('/admin/insights').query({ user: 'ghost' }).expect(400);
    assert.match(res.text, /id="f-user-error">No user has this username or email/);
    assert.match(res.text, /value="ghost"/);
  });

  it('exports the filtered events as CSV, formulas neutralised', async () => {
    const res = await agent.get('/admin/insights/export').query({ type: 'sso_login',
      format: 'csv' }).expect(200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="?events-[\dT-]+\.csv"?$/);
    const lines = res.text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'time,type,outcome,initiator_type,initiator_name,resource_type,'
      + 'resource_id,resource_name,application_id,user_id,group_id,details,id');
    assert.equal(lines.length, 4);
    assert.ok(lines.slice(1).every((l) => l.split(',')[1] === 'sso_login'));
    assert.ok(lines.slice(1).every((l) => l.includes(",'=HYPERLINK(),")));
  });

  it('exports the filtered events as JSON lines, all pages of them', async () => {
    const res = await agent.get('/admin/insights/export').query({ format: 'jsonl',
      type: 'group_create', range: 'all' }).buffer(true).parse((r, done) => {
      let text = '';
      r.on('data', (c: Buffer) => { text += c.toString(); });
      r.on('end', () => done(null, text));
    }).expect(200);
    const events = String(res.body).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(events.length, 60);
    assert.ok(events.every((e) => e.type === 'group_create'));
    assert.equal(events[0].resource.name, 'Team 59');
  });
});

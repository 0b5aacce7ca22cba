import { type Request, Router } from 'express';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../http/errors.js';
import { sendPage, userFailure } from '../../http/pages.js';
import { csvHeader, csvLine, jsonLine } from '../../insights/export.js';
import { type EventFilter, queryEvents } from '../../insights/events.js';
import { insightsPage, TIME_RANGES } from '../../views/admin/insights.js';
import { adminFrame, queryText } from './frame.js';

const PAGE_SIZE = 50;
const EXPORT_BATCH = 500;
const FILTER_NAMES = ['type', 'range', 'from', 'to', 'user', 'application', 'outcome'];
const RANGE_HOURS: Record<string, number> = { '1h': 1, '24h': 24, '7d': 168, '30d': 720 };

/** The filter fields as typed, for showing them again and for links. */
function typedFilters(req: Request): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of FILTER_NAMES) {
    const value = queryText(req, name, 254).trim();
    if (value) values[name] = value;
  }
  return values;
}

/** A datetime-local value (read as UTC) as ISO-8601, or a field error. */
function utcTime(value: string | undefined, field: string,
  errors: Record<string, string>): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(time)) {
    errors[field] = 'Enter a date and time such as 2026-01-31T09:00';
    return undefined;
  }
  return new Date(time).toISOString();
}

/** The time bounds of the chosen range; a custom range takes the from/to fields. */
function timeBounds(values: Record<string, string>, errors: Record<string, string>):
  Pick<EventFilter, 'from' | 'to'> {
  const range = values.range ?? '24h';
  if (!TIME_RANGES.some(([id]) => id === range)) errors.range = 'Choose a time range';
  if (range === 'custom') {
    return { from: utcTime(values.from, 'from', errors), to: utcTime(values.to, 'to', errors) };
  }
  const hours = RANGE_HOURS[range];
  return hours ? { from: new Date(Date.now() - hours * 3600_000).toISOString() } : {};
}

/**
 * Turns the typed filters into an event filter; throws 400 with field errors when one
 * cannot be used (an unknown user, a malformed time).
 */
async function resolveFilter(ctx: AppContext, values: Record<string, string>):
  Promise<Omit<EventFilter, 'limit'>> {
  const errors: Record<string, string> = {};
  const filter: Omit<EventFilter, 'limit'> = timeBounds(values, errors);
  if (values.type) filter.types = [values.type];
  if (values.outcome === 'success' || values.outcome === 'failure') {
    filter.outcome = values.outcome;
  }
  if (values.application) filter.applicationId = values.application;
  if (values.user) {
    const user = await ctx.users.findByLogin(values.user);
    if (user) filter.userId = user.id;
    else errors.user = 'No user has this username or email';
  }
  if (Object.keys(errors).length > 0) throw badRequest('Invalid filters', { fields: errors });
  return filter;
}

function cursorOf(req: Request): number | undefined {
  const n = Number(queryText(req, 'cursor', 20));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Directory Insights: the event log with filters, paging and export. */
export function insightsPages(ctx: AppContext): Router {
  const router = Router();

  router.get('/insights', async (req, res) => {
    const values = typedFilters(req);
    const [types, applications] = await Promise.all([
      ctx.db.selectFrom('events').select('type').distinct().orderBy('type').execute(),
      ctx.applications.list()]);
    const before = cursorOf(req);
    const view = { filters: { values, errors: {} }, types: types.map((t) => t.type),
      applications, events: [] as Awaited<ReturnType<typeof queryEvents>>['events'],
      query: new URLSearchParams(values).toString(), nextCursor: null as number | null,
      firstPage: before === undefined };
    try {
      const filter = await resolveFilter(ctx, values);
      const page = await queryEvents(ctx.db, { ...filter, before, limit: PAGE_SIZE });
      Object.assign(view, { events: page.events, nextCursor: page.nextCursor });
      sendPage(res, insightsPage(adminFrame(req, 'Directory Insights', 'insights'), view));
    } catch (error) {
      const failure = userFailure(error, req);
      view.filters.errors = failure.form.errors;
      sendPage(res, insightsPage(adminFrame(req, 'Directory Insights', 'insights',
        failure.notice), view), failure.status);
    }
  });

  router.get('/insights/export', async (req, res) => {
    const format = queryText(req, 'format') === 'jsonl' ? 'jsonl' : 'csv';
    const filter = await resolveFilter(ctx, typedFilters(req));
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '');
    res.type(format === 'csv' ? 'text/csv' : 'application/x-ndjson');
    res.attachment(`events-${stamp}.${format}`);
    res.set('cache-control', 'no-store');
    if (format === 'csv') res.write(csvHeader());
    let before: number | undefined;
    do {
      const page = await queryEvents(ctx.db, { ...filter, before, limit: EXPORT_BATCH });
      res.write(page.events.map(format === 'csv' ? csvLine : jsonLine).join(''));
      before = page.nextCursor ?? undefined;
    } while (before !== undefined);
    res.end();
  });

  return router;
}

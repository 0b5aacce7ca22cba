import type { Application } from '../../applications/service.js';
import type { EventRecord } from '../../insights/events.js';
import { type FormState, inputField, selectField } from '../forms.js';
import { type Html, html, isolate } from '../html.js';
import { adminPage, type PageFrame } from '../layout.js';
import { shortTime } from './common.js';

export const TIME_RANGES: [string, string][] = [
  ['24h', 'Last 24 hours'], ['1h', 'Last hour'], ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'], ['all', 'All time'], ['custom', 'Custom (from / to below)'],
];

export interface InsightsView {
  filters: FormState;
  types: string[];
  applications: Application[];
  events: EventRecord[];
  /** Query string of the current filters (no cursor), for paging and export links. */
  query: string;
  nextCursor: number | null;
  firstPage: boolean;
}

function filterForm(view: InsightsView): Html {
  const f = view.filters;
  return html`<form method="get" action="/admin/insights" class="filters card"
 aria-label="Event filters"><div class="grid-3">
${selectField({ name: 'type', label: 'Event type', state: f,
    options: [['', 'All types'], ...view.types.map((t): [string, string] => [t, t])] })}
${selectField({ name: 'range', label: 'Time range', state: f, initial: '24h',
    options: TIME_RANGES })}
${inputField({ name: 'from', label: 'From (UTC)', type: 'datetime-local', state: f })}
${inputField({ name: 'to', label: 'To (UTC)', type: 'datetime-local', state: f })}
${inputField({ name: 'user', label: 'User (username or email)', state: f })}
${selectField({ name: 'application', label: 'Application', state: f,
    options: [['', 'All applications'],
      ...view.applications.map((a): [string, string] => [a.id, a.label])] })}
${selectField({ name: 'outcome', label: 'Outcome', state: f,
    options: [['', 'Any outcome'], ['success', 'Success'], ['failure', 'Failure']] })}
</div><div class="actions"><button type="submit" class="primary">Apply filters</button>
<a href="/admin/insights">Reset</a></div></form>`;
}

function describe(event: EventRecord, apps: Map<string, string>): Html {
  const app = event.applicationId ? apps.get(event.applicationId) ?? event.applicationId : '';
  const details = Object.entries(event.details).map(([key, value]) => html`<li><span
 class="muted">${key}:</span> ${typeof value === 'string' ? value : JSON.stringify(value)}</li>`);
  return html`<td>${event.resource.type}${event.resource.name ? html`: ${
    isolate(event.resource.name)}` : ''}</td><td>${isolate(app)}</td><td class="details">${
    details.length ? html`<ul>${details}</ul>` : ''}</td>`;
}

function eventTable(view: InsightsView): Html {
  const apps = new Map(view.applications.map((a) => [a.id, a.label]));
  const rows = view.events.map((e) => html`<tr>
<td class="nowrap"><time datetime="${e.time}">${shortTime(e.time)}</time></td>
<td>${e.type}</td><td><span class="badge badge-${e.outcome}">${e.outcome}</span></td>
<td>${isolate(e.initiator.name ?? e.initiator.type)}</td>${describe(e, apps)}</tr>`);
  return html`<div class="table-wrap"><table class="events">
<caption class="sr-only">Events, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Outcome</th>
<th scope="col">Initiated by</th><th scope="col">Resource</th>
<th scope="col">Application</th><th scope="col">Details</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

/** Directory Insights: filters, the matching events newest first, paging, export. */
export function insightsPage(frame: PageFrame, view: InsightsView): Html {
  const sep = view.query ? '&' : '';
  return adminPage(frame, html`<div class="page-head"><h1>Directory Insights</h1>
<div class="export">Export these events:
<a class="button" href="/admin/insights/export?${view.query}${sep}format=csv"
 download>CSV</a>
<a class="button" href="/admin/insights/export?${view.query}${sep}format=jsonl"
 download>JSON lines</a></div></div>
${filterForm(view)}
${view.events.length === 0 ? html`<p class="empty">No events match these filters.</p>`
    : eventTable(view)}
<nav class="pager" aria-label="Pages">
${view.firstPage ? '' : html`<a href="/admin/insights?${view.query}">Newest events</a>`}
${view.nextCursor !== null ? html`<a rel="next"
 href="/admin/insights?${view.query}${sep}cursor=${view.nextCursor}">Older events</a>` : ''}
</nav>`);
}

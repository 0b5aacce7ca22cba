import type { ImportResult } from '../../provisioning/import/importer.js';
import type { ImportJob } from '../../provisioning/import/jobs.js';
import type { ImportCandidate, ImportListing } from '../../provisioning/import/listing.js';
import { NOT_MANAGED_NOTICE } from '../../provisioning/import/notice.js';
import type { ImportCounts } from '../../provisioning/import/service.js';
import { type Html, html } from '../html.js';
import { csrfField, type PageFrame } from '../layout.js';
import type { AppWindow } from './app-window.js';

/** What the Manual Import view lists: the application's users, or why it cannot. */
export interface ImportView {
  newOnly: boolean;
  listing: ImportListing | null;
  /** Why the users could not be listed (integration inactive, application unreachable). */
  problem: string | null;
}

const importBase = (w: AppWindow) => `/admin/applications/${w.app.id}/identity/import`;

const OUTCOME_LABEL: Record<ImportResult['outcome'], string> = {
  created: 'Created', already_present: 'Already present', skipped: 'Skipped',
};

function statusBadge(c: ImportCandidate): Html {
  return c.status === 'new' ? html`<span class="badge badge-active">New</span>`
    : html`<span class="badge">Imported</span>`;
}

/** Imported users cannot be selected: they already have a directory account. */
function candidateRow(c: ImportCandidate): Html {
  const box = c.status === 'new'
    ? html`<input type="checkbox" name="userIds" value="${c.id}" id="imp-${c.id}"
 aria-label="Select ${c.userName}">` : '';
  return html`<tr><td>${box}</td><td><label for="imp-${c.id}">${c.userName}</label></td>
<td>${c.displayName}</td><td>${c.email ?? ''}</td><td>${statusBadge(c)}</td></tr>`;
}

function filterForm(w: AppWindow, newOnly: boolean): Html {
  return html`<form method="get" action="${importBase(w)}" class="search">
<label><input type="checkbox" name="newOnly" value="true"${newOnly ? html` checked` : ''}>
 New users only</label> <button type="submit">Apply filter</button></form>`;
}

function candidateTable(frame: PageFrame, w: AppWindow, listing: ImportListing): Html {
  if (listing.items.length === 0) {
    return html`<p class="empty">There are no users to show.</p>`;
  }
  const newCount = listing.counts.new;
  return html`<form method="post" action="${importBase(w)}">${csrfField(frame.csrf)}
<div class="table-wrap"><table><caption class="sr-only">Users of ${w.app.label}</caption>
<thead><tr><th scope="col">Select</th><th scope="col">Username</th><th scope="col">Name</th>
<th scope="col">Email</th><th scope="col">Import status</th></tr></thead>
<tbody>${listing.items.map(candidateRow)}</tbody></table></div>
<button type="submit" class="primary">Import selected</button>
${newCount > 0 ? html` <button type="submit" name="all" value="new">Import all ${newCount} new
 users</button>` : ''}</form>`;
}

/** Manual Import: the application's users, New or Imported, to select and import. */
export function importPanel(frame: PageFrame, w: AppWindow, view: ImportView): Html {
  const head = html`<h2>Manual Import</h2>
<p>Create directory users from the users of ${w.app.label}. Users suspended in the
 application are not listed and are never created.</p>`;
  if (!view.listing) return html`${head}<p class="notice notice-error">${view.problem}</p>`;
  const { counts } = view.listing;
  return html`${head}
<p id="import-counts">${counts.new} new, ${counts.imported} imported${
  counts.suspendedNotOffered ? `, ${counts.suspendedNotOffered} suspended (not offered)` : ''}.
</p>
${filterForm(w, view.newOnly)}
${candidateTable(frame, w, view.listing)}
<p class="hint">${NOT_MANAGED_NOTICE}</p>`;
}

function countsLine(counts: ImportCounts): Html {
  return html`<p id="import-result-counts">${counts.created} created,
 ${counts.alreadyPresent} already present, ${counts.skipped} skipped.</p>`;
}

function resultTable(results: ImportResult[]): Html {
  const rows = results.map((r) => html`<tr><td>${r.userName}</td>
<td>${OUTCOME_LABEL[r.outcome]}</td><td>${r.message ?? ''}</td></tr>`);
  return html`<div class="table-wrap"><table><caption class="sr-only">Import results</caption>
<thead><tr><th scope="col">Username</th><th scope="col">Result</th>
<th scope="col">Why</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** The results of a small import, shown as soon as it is done. */
export function importResultsPanel(w: AppWindow, results: ImportResult[],
  counts: ImportCounts): Html {
  return html`<h2>Manual Import: results</h2>
${countsLine(counts)}
<p class="notice notice-success" role="status">${NOT_MANAGED_NOTICE}</p>
${resultTable(results)}
<p><a href="${importBase(w)}">Back to Manual Import</a></p>`;
}

/**
 * A large import's progress. While it runs the page reloads itself every few seconds
 * (a meta refresh, since the pages run no inline script).
 */
export function importJobPanel(w: AppWindow, job: ImportJob, results: ImportResult[]): Html {
  const running = job.status === 'running';
  return html`<h2>Manual Import: ${running ? 'in progress' : 'complete'}</h2>
${running ? html`<meta http-equiv="refresh" content="3">` : ''}
<p id="import-progress"><progress value="${job.done}" max="${job.total}"></progress>
 ${job.done} of ${job.total} users done.</p>
${countsLine(job.counts)}
<p>${running ? 'An email is sent to the administrator when the import is complete.'
    : `Completed at ${job.completedAt ?? ''}.`}</p>
<p class="hint">${NOT_MANAGED_NOTICE}</p>
${running ? '' : resultTable(results)}
<p><a href="${importBase(w)}">Back to Manual Import</a></p>`;
}

import type { EventRecord } from './events.js';

/** Column order of the CSV export. */
export const CSV_COLUMNS = ['time', 'type', 'outcome', 'initiator_type', 'initiator_name',
  'resource_type', 'resource_id', 'resource_name', 'application_id', 'user_id', 'group_id',
  'details', 'id'] as const;

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (= + - @ at the start) is
 * prefixed with a quote mark, so an exported user name cannot become a formula.
 */
function csvCell(value: string | null): string {
  let text = value ?? '';
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header line of the CSV export, with its line ending. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** One event as a CSV line, with its line ending. */
export function csvLine(event: EventRecord): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string | null> = {
    time: event.time, type: event.type, outcome: event.outcome,
    initiator_type: event.initiator.type, initiator_name: event.initiator.name ?? null,
    resource_type: event.resource.type, resource_id: event.resource.id,
    resource_name: event.resource.name, application_id: event.applicationId,
    user_id: event.userId, group_id: event.groupId,
    details: JSON.stringify(event.details), id: event.id,
  };
  return `${CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',')}\r\n`;
}

/** One event as a JSON line, with its line ending. */
export function jsonLine(event: EventRecord): string {
  return `${JSON.stringify(event)}\n`;
}

import type { Request } from 'express';
import type { BindingChange } from '../../applications/service.js';
import { formList, pageCsrf, takeNotice } from '../../http/pages.js';
import type { AdminSection, Notice, PageFrame } from '../../views/layout.js';

/** The frame of an admin page for this request: title, CSRF token, notice, section. */
export function adminFrame(req: Request, title: string, section?: AdminSection,
  notice?: Notice): PageFrame {
  return {
    title: `${title} · Admin Portal`,
    csrf: pageCsrf(req),
    notice: notice ?? takeNotice(req),
    admin: req.actor?.name ?? undefined,
    ...(section ? { section } : {}),
  };
}

/** A route parameter as a string (Express 5 types allow arrays for wildcards). */
export function param(req: Request, name: string): string {
  const value = req.params[name];
  return Array.isArray(value) ? value.join('/') : String(value ?? '');
}

/** A query parameter as one string, '' when absent. */
export function queryText(req: Request, name: string, max = 200): string {
  const value = req.query[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.slice(0, max) : '';
}

/** A non-negative offset from the query string. */
export function queryOffset(req: Request): number {
  const n = Number(queryText(req, 'offset', 12));
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/**
 * What a checkbox list of a paged form saves: checked ids bound, ids shown on the page
 * (the hidden `<name>Shown` fields) but unchecked unbound. Ids the page did not show are
 * left as they are.
 */
export function checkedChange(body: unknown, name: string): BindingChange {
  const checked = formList(body, name);
  const shown = formList(body, `${name}Shown`);
  return { bind: checked, unbind: shown.filter((id) => !checked.includes(id)) };
}

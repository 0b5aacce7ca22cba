import { type Html, html, type Part } from './html.js';

/** What a form shows again after a failed submission: typed values and field errors. */
export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

export const EMPTY_FORM: FormState = { values: {}, errors: {} };

export interface FieldOptions {
  name: string;
  label: string;
  state: FormState;
  type?: 'text' | 'email' | 'password' | 'search' | 'color' | 'number' | 'datetime-local'
    | 'file';
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  /** Value when the form is shown for the first time. */
  initial?: string;
  /** Text shown before the input, such as the fixed start of a URL. */
  prefix?: string;
  attrs?: Html;
}

function fieldId(name: string): string {
  return `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/** The error of one field, placed right under it and tied to it with aria-describedby. */
function fieldMessages(id: string, error: string | undefined, hint: string | undefined): Html {
  return html`${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}${
    error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}`;
}

function describedBy(id: string, error: string | undefined, hint: string | undefined): Html {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? html` aria-describedby="${ids.join(' ')}"` : html``;
}

/** A labelled input; keeps what was typed (never for passwords) and shows its error. */
export function inputField(o: FieldOptions): Html {
  const id = fieldId(o.name);
  const error = o.state.errors[o.name];
  const type = o.type ?? 'text';
  const value = type === 'password' || type === 'file' ? ''
    : o.state.values[o.name] ?? o.initial ?? '';
  const input = html`<input id="${id}" name="${o.name}" type="${type}"${
    type === 'file' ? '' : html` value="${value}"`}${
    o.required ? html` required` : ''}${
    o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${
    error ? html` aria-invalid="true"` : ''}${describedBy(id, error, o.hint)}${o.attrs ?? ''}>`;
  return html`<div class="field${error ? ' has-error' : ''}">
<label for="${id}">${o.label}${o.required ? html` <span class="req">(required)</span>` : ''}</label>
${o.prefix ? html`<div class="with-prefix"><span class="prefix">${o.prefix}</span>${input}</div>`
    : input}
${fieldMessages(id, error, o.hint)}</div>`;
}

/** A labelled multi-line text field. */
export function textArea(o: FieldOptions & { rows?: number }): Html {
  const id = fieldId(o.name);
  const error = o.state.errors[o.name];
  const value = o.state.values[o.name] ?? o.initial ?? '';
  return html`<div class="field${error ? ' has-error' : ''}">
<label for="${id}">${o.label}</label>
<textarea id="${id}" name="${o.name}" rows="${o.rows ?? 3}"${
    error ? html` aria-invalid="true"` : ''}${describedBy(id, error, o.hint)}>${value}</textarea>
${fieldMessages(id, error, o.hint)}</div>`;
}

/** A labelled select; `options` are [value, label] pairs. */
export function selectField(o: FieldOptions & { options: [string, string][] }): Html {
  const id = fieldId(o.name);
  const error = o.state.errors[o.name];
  const current = o.state.values[o.name] ?? o.initial ?? '';
  return html`<div class="field${error ? ' has-error' : ''}">
<label for="${id}">${o.label}</label>
<select id="${id}" name="${o.name}"${error ? html` aria-invalid="true"` : ''}${
    describedBy(id, error, o.hint)}>
${o.options.map(([value, label]) => html`<option value="${value}"${
    value === current ? html` selected` : ''}>${label}</option>`)}
</select>
${fieldMessages(id, error, o.hint)}</div>`;
}

/** A checkbox with its label after it. */
export function checkboxField(o: { name: string; label: string | Html; checked: boolean;
  value?: string; id?: string; hint?: string }): Html {
  const id = o.id ?? fieldId(o.name);
  return html`<div class="field checkbox">
<input type="checkbox" id="${id}" name="${o.name}" value="${o.value ?? 'on'}"${
    o.checked ? html` checked` : ''}${o.hint ? html` aria-describedby="${id}-hint"` : ''}>
<label for="${id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}</div>`;
}

/** A fieldset of radio buttons; `options` are [value, label] pairs. */
export function radioGroup(o: { name: string; legend: string; state: FormState;
  initial: string; options: [string, string][] }): Html {
  const current = o.state.values[o.name] ?? o.initial;
  const error = o.state.errors[o.name];
  return html`<fieldset class="field radios${error ? ' has-error' : ''}">
<legend>${o.legend}</legend>
${o.options.map(([value, label]) => html`<div class="radio">
<input type="radio" id="${fieldId(`${o.name}-${value}`)}" name="${o.name}" value="${value}"${
    value === current ? html` checked` : ''}>
<label for="${fieldId(`${o.name}-${value}`)}">${label}</label></div>`)}
${error ? html`<p class="field-error">${error}</p>` : ''}</fieldset>`;
}

/** Previous / next links for offset paging. */
export function pager(o: { offset: number; limit: number; total: number;
  href: (offset: number) => string }): Part {
  if (o.total <= o.limit) return '';
  const prev = o.offset > 0 ? html`<a href="${o.href(Math.max(0, o.offset - o.limit))}"
rel="prev">Previous</a>` : '';
  const next = o.offset + o.limit < o.total
    ? html`<a href="${o.href(o.offset + o.limit)}" rel="next">Next</a>` : '';
  const last = Math.min(o.total, o.offset + o.limit);
  return html`<nav class="pager" aria-label="Pages">${prev}
<span>Showing ${o.offset + 1}–${last} of ${o.total}</span>${next}</nav>`;
}

/** One page of a list: its items, where it starts and how many there are in all. */
export interface ListPage<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

/** A checkbox of a paged list, with the hidden field saying it was on the page. */
export function shownCheckbox(o: { name: string; value: string; id: string;
  label: string | Html; checked: boolean }): Html {
  return html`<input type="hidden" name="${o.name}Shown" value="${o.value}">${
    checkboxField(o)}`;
}

/**
 * HTML built from tagged templates that escape every interpolated value by default.
 * Only `Html` values (the result of another `html` template, or `raw` on a constant the
 * code itself wrote) pass through unescaped, so a user name or an event detail can
 * never become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;',
};

/** Escapes text for an element body or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

/** A value a template may hold: text, numbers, markup, nothing, or lists of these. */
export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false || part === true) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** Tagged template: `html\`<p>${name}</p>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/**
 * User-supplied text (a name, a label) isolated from the text around it: a right-to-left
 * or override character in it (U+202E) then reorders nothing outside the value, so a
 * list or a heading cannot be made to read as something else.
 */
export function isolate(value: string | null | undefined): Html {
  return html`<bdi>${value}</bdi>`;
}

/** Marks code-written markup as safe. Never pass it anything a person typed. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** Joins fragments into one. */
export function join(parts: readonly Part[]): Html {
  return new Html(render(parts));
}

/** Escapes any value as text (null and undefined become empty), for string-built pages. */
export function esc(value: unknown): string {
  return escapeHtml(String(value ?? ''));
}

/**
 * A whole page around markup built as a string (the sign-in pages): the user console's
 * stylesheet and header. `body` must already be escaped.
 */
export function page(title: string, body: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/assets/styles.css">
</head>
<body class="console">
<header class="top"><a class="brand" href="/">User Console</a></header>
<main id="main"><section class="card">${raw(body)}</section></main>
</body>
</html>`.text;
}

/*
 * Escaping that yields exclusive-c14n canonical form directly (W3C XML-C14N, section
 * 2.3). Elements built from these helpers, with attributes in canonical order and
 * empty elements written as start and end tags, are already canonical: their digest can
 * be taken from the string itself, with no parse and no canonicaliser.
 */

/** Escapes character data (text content) as the canonical form writes it. */
export function text(value: string): string {
  return value.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;');
}

const ATTRIBUTE_ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;',
};

/** Escapes an attribute value (to sit between double quotes) in canonical form. */
export function attr(value: string): string {
  return value.replace(/[&<"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]!);
}

const NOT_XML_CHARACTERS = new RegExp([
  '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]',
  '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])',
  '(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
].join('|'), 'g');

/**
 * Removes characters XML 1.0 cannot carry at all (control characters other than tab,
 * line feed and carriage return, lone surrogates, U+FFFE/U+FFFF), so a directory value
 * never produces a document peers refuse to parse.
 */
export function xmlSafe(value: string): string {
  return value.replace(NOT_XML_CHARACTERS, '');
}

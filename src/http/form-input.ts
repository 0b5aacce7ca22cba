import { z } from 'zod';
import { badRequest } from './errors.js';

/*
 * Form input of the server-rendered pages. The JSON API reports zod's own wording
 * ("Too small: expected string to have >=1 characters"), which suits a program; a person
 * filling in a form gets a short instruction instead, shown next to the field.
 */

type Issue = z.core.$ZodRawIssue;

function tooSmall(issue: Extract<Issue, { code: 'too_small' }>): string {
  const min = Number(issue.minimum);
  if (issue.origin === 'string') {
    return min <= 1 ? 'Fill in this field' : `Use at least ${min} characters`;
  }
  if (issue.origin === 'array' || issue.origin === 'set') return `Choose at least ${min}`;
  return `Enter ${min} or more`;
}

function tooBig(issue: Extract<Issue, { code: 'too_big' }>): string {
  const max = Number(issue.maximum);
  if (issue.origin === 'string') return `Use at most ${max} characters`;
  if (issue.origin === 'array' || issue.origin === 'set') return `Choose at most ${max}`;
  return `Enter ${max} or less`;
}

function badFormat(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  if (issue.format === 'email') return 'Enter an email address, such as ada@example.com';
  if (issue.format === 'url') return 'Enter a full URL, such as https://example.com/';
  return 'This value has characters or a form that is not allowed here';
}

/** The instruction for one of zod's built-in checks; custom messages are kept as written. */
export function humanMessage(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.input === '' ? 'Fill in this field'
        : 'This value is not of the expected kind';
    case 'too_small': return tooSmall(issue);
    case 'too_big': return tooBig(issue);
    case 'invalid_format': return badFormat(issue);
    case 'invalid_value': return 'Choose one of the offered options';
    case 'unrecognized_keys': return 'The form sent a field this page does not know';
    default: return 'Check this value';
  }
}

/**
 * A message as a sentence: starting with a capital letter, unless it starts with a URL
 * scheme ("https only"), which is written in lower case.
 */
export function sentence(message: string): string {
  if (/^https?\b/.test(message)) return message;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/**
 * Parses a submitted form against a schema; throws 400 `invalid_request` whose
 * `details.fields` holds one instruction per field path (`acsUrls.0`, `email`).
 */
export function parseForm<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {}, { error: humanMessage });
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    fields[issue.path.join('.') || '(form)'] ??= sentence(issue.message);
  }
  throw badRequest('Some fields need attention', { fields });
}

import { parse, type Filter } from 'scim2-parse-filter';
import { invalidFilter, invalidValue } from './errors.js';
import { LIST_SCHEMA } from './resources.js';

export interface PagingRules {
  /** Default and largest page. */
  pageSize: number;
  /** Serve `pageSize` whatever the client asks for. */
  ignorePageSize: boolean;
}

export interface Page {
  /** 1-based index of the first resource. */
  startIndex: number;
  count: number;
}

type Query = Record<string, unknown>;

/**
 * Reads startIndex and count (RFC 7644 section 3.4.2.4): a startIndex below 1 means 1,
 * a count above the page size is cut to it; values that are not integers are refused.
 */
export function readPage(query: Query, rules: PagingRules): Page {
  const startIndex = Math.max(1, readInteger(query.startIndex, 'startIndex') ?? 1);
  if (rules.ignorePageSize) return { startIndex, count: rules.pageSize };
  const asked = readInteger(query.count, 'count') ?? rules.pageSize;
  return { startIndex, count: Math.min(Math.max(0, asked), rules.pageSize) };
}

/** One page of a list answer, with the total before paging. */
export function listResponse<T>(items: T[], page: Page) {
  const resources = items.slice(page.startIndex - 1, page.startIndex - 1 + page.count);
  return {
    schemas: [LIST_SCHEMA],
    totalResults: items.length,
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

/**
 * Reads the one filter form the endpoint accepts, `<attribute> eq "<value>"`, parsed
 * by scim2-parse-filter. Returns the wanted value, or undefined when there is no
 * filter. Any other filter is refused, as the imitated service accepts no other.
 */
export function readEqualityFilter(raw: unknown, attribute: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw invalidFilter('filter must be given once');
  const filter = parseFilter(raw);
  if (filter.op !== 'eq' || !('attrPath' in filter)
    || filter.attrPath.toLowerCase() !== attribute.toLowerCase()
    || typeof filter.compValue !== 'string') {
    throw invalidFilter(`Only the filter ${attribute} eq "<value>" is supported`);
  }
  return filter.compValue;
}

function parseFilter(raw: string): Filter {
  try {
    return parse(raw);
  } catch (error) {
    throw invalidFilter(`The filter cannot be parsed: ${(error as Error).message}`);
  }
}

function readInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw invalidValue(`${name} must be an integer`);
  }
  return Number(value);
}

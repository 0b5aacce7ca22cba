import type { RateLimiter } from './rate-limiter.js';
import {
  GROUP_SCHEMA, PATCH_SCHEMA, type PatchOperation, type ScimGroupResource,
  type ScimUserResource,
} from './mappings.js';

/** An answer from the application: status, parsed body and what it said went wrong. */
export interface ScimAnswer<T = unknown> {
  status: number;
  body: T | null;
  /** The application's own error message, for events and the API; null on success. */
  message: string | null;
  /** Retry-After of a 429 or 503, in milliseconds from now; null when absent. */
  retryAfterMs: number | null;
}

export type NetworkFailure = 'unreachable' | 'tls' | 'timeout' | 'network';

/** The request never got an HTTP answer (refused, unknown host, TLS, timeout, reset). */
export class ScimNetworkError extends Error {
  constructor(readonly failure: NetworkFailure, message: string) {
    super(message);
    this.name = 'ScimNetworkError';
  }
}

export interface ListPage<T> {
  resources: T[];
  totalResults: number;
}

const REQUEST_TIMEOUT_MS = 30_000;
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$)/;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Names what kept a request from getting an answer, from the error fetch threw. */
export function classifyNetworkError(error: unknown): ScimNetworkError {
  const e = error as { name?: string;
    cause?: { code?: string; errors?: { code?: string }[] } };
  if (e?.name === 'TimeoutError') {
    return new ScimNetworkError('timeout', 'the application did not answer in time');
  }
  // Connection attempts to several addresses fail together, as an AggregateError.
  const code = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? '';
  if (TLS_CODES.test(code)) {
    return new ScimNetworkError('tls', `TLS connection failed (${code})`);
  }
  if (UNREACHABLE_CODES.has(code)) {
    return new ScimNetworkError('unreachable', `host unreachable (${code})`);
  }
  return new ScimNetworkError('network', `connection failed (${code || 'no answer'})`);
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** The message an application put in its error body: SCIM `detail` or `errors[].message`. */
export function errorMessageOf(status: number, body: unknown, text: string): string {
  const b = body as { detail?: unknown; errors?: { message?: unknown }[]; message?: unknown };
  const candidates = [b?.detail, b?.errors?.[0]?.message, b?.message];
  const found = candidates.find((c) => typeof c === 'string' && c.length > 0) as string;
  return (found ?? (text.trim().slice(0, 200) || `HTTP ${status}`));
}

/** A SCIM filter `attribute eq "value"`, the value escaped as a JSON string. */
export function eqFilter(attribute: string, value: string): string {
  return `${attribute} eq ${JSON.stringify(value)}`;
}

/**
 * A SCIM 2.0 client for one application. Every request goes through the application's
 * rate limiter; a 429 pauses the limiter for its Retry-After before the caller sees it.
 */
export class ScimClient {
  private readonly base: string;

  constructor(baseUrl: string, private readonly token: string,
    private readonly limiter: RateLimiter) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /** Sends one request; throws ScimNetworkError when no HTTP answer came back. */
  async request<T>(method: string, path: string, body?: unknown): Promise<ScimAnswer<T>> {
    const kind = method === 'GET' ? 'read' : 'write';
    return this.limiter.run(kind, async () => {
      const response = await this.send(method, path, body);
      const text = await response.text().catch(() => '');
      const parsed = parseJson(text);
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      if (response.status === 429) {
        this.limiter.pauseUntil(Date.now() + (retryAfterMs ?? 1000));
      }
      return {
        status: response.status,
        body: parsed as T | null,
        message: response.ok ? null : errorMessageOf(response.status, parsed, text),
        retryAfterMs,
      };
    });
  }

  listUsers(startIndex: number, count: number): Promise<ScimAnswer<ListBody<ScimUserResource>>> {
    return this.request('GET', `/Users?startIndex=${startIndex}&count=${count}`);
  }

  findUsers(userName: string): Promise<ScimAnswer<ListBody<ScimUserResource>>> {
    const filter = encodeURIComponent(eqFilter('userName', userName));
    return this.request('GET', `/Users?filter=${filter}`);
  }

  createUser(resource: Record<string, unknown>): Promise<ScimAnswer<ScimUserResource>> {
    return this.request('POST', '/Users', resource);
  }

  patchUser(id: string, operations: PatchOperation[]): Promise<ScimAnswer<ScimUserResource>> {
    return this.request('PATCH', `/Users/${encodeURIComponent(id)}`,
      { schemas: [PATCH_SCHEMA], Operations: operations });
  }

  deleteUser(id: string): Promise<ScimAnswer> {
    return this.request('DELETE', `/Users/${encodeURIComponent(id)}`);
  }

  listGroups(startIndex: number, count: number):
    Promise<ScimAnswer<ListBody<ScimGroupResource>>> {
    return this.request('GET',
      `/Groups?startIndex=${startIndex}&count=${count}&excludedAttributes=members`);
  }

  findGroups(displayName: string): Promise<ScimAnswer<ListBody<ScimGroupResource>>> {
    const filter = encodeURIComponent(eqFilter('displayName', displayName));
    return this.request('GET', `/Groups?filter=${filter}&excludedAttributes=members`);
  }

  getGroup(id: string): Promise<ScimAnswer<ScimGroupResource>> {
    return this.request('GET', `/Groups/${encodeURIComponent(id)}`);
  }

  createGroup(displayName: string, memberIds: string[]):
    Promise<ScimAnswer<ScimGroupResource>> {
    return this.request('POST', '/Groups', {
      schemas: [GROUP_SCHEMA], displayName, members: memberIds.map((value) => ({ value })),
    });
  }

  patchGroup(id: string, operations: PatchOperation[]): Promise<ScimAnswer> {
    return this.request('PATCH', `/Groups/${encodeURIComponent(id)}`,
      { schemas: [PATCH_SCHEMA], Operations: operations });
  }

  deleteGroup(id: string): Promise<ScimAnswer> {
    return this.request('DELETE', `/Groups/${encodeURIComponent(id)}`);
  }

  private async send(method: string, path: string, body: unknown): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/scim+json, application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw classifyNetworkError(error);
    }
  }
}

/** A SCIM ListResponse as far as the product reads it. */
export interface ListBody<T> {
  schemas?: string[];
  totalResults?: number;
  startIndex?: number;
  itemsPerPage?: number;
  Resources?: T[];
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

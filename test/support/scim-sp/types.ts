/**
 * Which service the provider behaves as. `asana` imitates Asana's documented SCIM API:
 * no name parts in a PATCH, no reactivation, DELETE of a user deactivates it, groups are
 * never deleted. `generic` is a plain SCIM 2.0 server (RFC 7644) that allows all of these,
 * as a custom application's SCIM API does.
 */
export type ScimSpDialect = 'asana' | 'generic';

export const SCIM_SP_DIALECTS: readonly ScimSpDialect[] = ['asana', 'generic'];

/** Settings of a test SCIM service provider; every limit is off unless set. */
export interface ScimSpOptions {
  /** See ScimSpDialect; default `asana`. */
  dialect?: ScimSpDialect;
  /** Bearer token the server accepts; default: 32 random bytes, base64url. */
  token?: string;
  /** Requests accepted in any sliding 60-second window; default: unlimited. */
  requestsPerMinute?: number;
  /** GET requests handled at the same instant; default: unlimited. */
  concurrentReads?: number;
  /** POST, PUT, PATCH and DELETE requests handled at the same instant; default: unlimited. */
  concurrentWrites?: number;
  /** Serve pages of `pageSize` resources whatever `count` asks for. */
  ignorePageSize?: boolean;
  /** Default and largest page size of list answers; default 100. */
  pageSize?: number;
  /**
   * Whether requests refused by the per-minute quota still count against it, as the
   * imitated service documents (a client that ignores Retry-After waits longer and
   * longer); default true.
   */
  countRejected?: boolean;
  /**
   * Accept name.givenName and name.familyName in a user PATCH, as a generic SCIM server
   * does (the demo's custom application); default: true for the `generic` dialect only.
   */
  acceptNameParts?: boolean;
}

export interface ScimSpUser {
  id: string;
  userName: string;
  active: boolean;
  /** Guests exist in the application but are never returned over SCIM. */
  guest: boolean;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  displayName?: string;
  title?: string;
  preferredLanguage?: string;
  department?: string;
  emails?: { value: string; primary?: boolean; type?: string }[];
  [k: string]: unknown;
}

export interface ScimSpGroup {
  id: string;
  displayName: string;
  members: { value: string }[];
}

/** One request as received; `status` is 0 until answered, and stays 0 when dropped. */
export interface ScimSpRequest {
  method: string;
  /** Path below the base URL, such as `/Users/1200000000001`. */
  path: string;
  /** Raw query string without the leading `?` (still URL-encoded). */
  query: string;
  status: number;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** Arrival time, epoch milliseconds. */
  at: number;
  /** True when the request was handled but its answer dropped (see dropAfterNext). */
  handled?: boolean;
}

export interface ScimSpQuota {
  requestsPerMinute?: number;
  concurrentReads?: number;
  concurrentWrites?: number;
}

export interface ScimSpStats {
  maxConcurrentReads: number;
  maxConcurrentWrites: number;
  /** Requests answered 429 by the quota (injected 429s are not counted). */
  throttled: number;
  /** Most requests accepted by the quota in any sliding 60-second window. */
  maxRequestsInAnyMinute: number;
  /** Every request received, whatever became of it. */
  total: number;
}

export interface ScimSpFaults {
  /**
   * Answers the next `count` requests with `status` before anything else is checked.
   * A 429 or 503 carries `retryAfter` as its Retry-After header (seconds or an HTTP
   * date); default "1".
   */
  failNext(count: number, status: number, retryAfter?: string): void;
  /** Holds the next `count` accepted requests for `ms` milliseconds before handling them. */
  slowNext(count: number, ms: number): void;
  /** Destroys the connection of the next `count` requests without an answer. */
  dropNext(count: number): void;
  /**
   * Handles the next `count` accepted requests (of `method` only, when given): the
   * change is applied, then the connection is destroyed instead of answering, so the
   * client never learns that it worked.
   */
  dropAfterNext(count: number, method?: string): void;
}

export interface ScimSp {
  /** `http://127.0.0.1:<port>/api/1.0/scim` */
  baseUrl: string;
  token: string;
  /** Current state, guests included (copies: changing them changes nothing). */
  users(): ScimSpUser[];
  groups(): ScimSpGroup[];
  seedUser(u: Partial<ScimSpUser> & { userName: string }): ScimSpUser;
  seedGroup(g: { displayName: string; memberIds?: string[] }): ScimSpGroup;
  /** Every request received, in order of arrival. */
  requests: ScimSpRequest[];
  faults: ScimSpFaults;
  setQuota(q: ScimSpQuota): void;
  stats(): ScimSpStats;
  stop(): Promise<void>;
}

// The few parts of autocannon's API the load worker uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface RequestParams { method?: string; path?: string; headers?: Record<string, string>;
    body?: string }
  /** One step of each connection's request sequence; `context` lives for one pass. */
  export interface Request extends RequestParams {
    setupRequest?(req: RequestParams, context: object): RequestParams;
    onResponse?(status: number, body: string, context: object,
      headers: Record<string, string | string[]>): void;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Request[];
  }
  interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    requests: { total: number; average: number };
  }
  function autocannon(options: Options, done: (error: Error | null, result: Result) => void):
    EventEmitter;
  export default autocannon;
}

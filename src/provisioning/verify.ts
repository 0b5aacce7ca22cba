import { HttpError } from '../http/errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { ScimClient, ScimNetworkError } from './scim-client.js';

/*
 * The check made on activation: one real SCIM request (the first user of the list)
 * with the token. Each way it can fail gets its own code and a message that tells the
 * administrator what to fix.
 */

const activationFailure = (code: string, message: string, details?: Record<string, unknown>) =>
  new HttpError(422, code, message, details);

/** Throws a 422 HttpError naming what failed; returns when the endpoint answered as SCIM. */
export async function verifyScimEndpoint(baseUrl: string, token: string,
  limiter: RateLimiter): Promise<void> {
  const host = new URL(baseUrl).host;
  const client = new ScimClient(baseUrl, token, limiter);
  let answer;
  try {
    answer = await client.listUsers(1, 1);
  } catch (error) {
    if (!(error instanceof ScimNetworkError)) throw error;
    throw networkFailure(error, host);
  }
  if (answer.status === 401 || answer.status === 403) {
    throw activationFailure('scim_unauthorized', `The application refused the API token `
      + `(HTTP ${answer.status}: ${answer.message}). Check the token and paste it again.`,
    { status: answer.status });
  }
  if (answer.status === 429) {
    throw activationFailure('scim_rate_limited', 'The application answered 429 (too many '
      + 'requests): the token works but its quota is used up. Try again in a minute.',
    { status: 429 });
  }
  const body = answer.body as { Resources?: unknown; totalResults?: unknown } | null;
  const isList = Array.isArray(body?.Resources) || typeof body?.totalResults === 'number';
  if (answer.status < 200 || answer.status >= 300 || !isList) {
    throw activationFailure('scim_not_scim', `${baseUrl}/Users answered HTTP `
      + `${answer.status} ${isList ? '' : 'without a SCIM list'}: this is not a SCIM 2.0 `
      + 'endpoint. Check the base URL.', { status: answer.status });
  }
}

function networkFailure(error: ScimNetworkError, host: string): HttpError {
  switch (error.failure) {
    case 'tls':
      return activationFailure('scim_tls', `The TLS connection to ${host} failed: `
        + `${error.message}. The server's certificate is not trusted or not valid for this `
        + 'host.');
    case 'unreachable':
      return activationFailure('scim_unreachable', `Cannot reach ${host}: ${error.message}. `
        + 'Check the base URL and that the host is reachable from this service.');
    case 'timeout':
      return activationFailure('scim_timeout', `${host} did not answer in time.`);
    default:
      return activationFailure('scim_unreachable', `No answer from ${host}: `
        + `${error.message}.`);
  }
}

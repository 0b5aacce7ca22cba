import type { Response } from 'express';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/**
 * A refusal in the SCIM error form (RFC 7644 section 3.12): the HTTP status and, for
 * 400 and 409, the scimType keyword a client can branch on.
 */
export class ScimSpError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ScimSpError';
  }
}

export const invalidValue = (detail: string) => new ScimSpError(400, 'invalidValue', detail);
export const invalidFilter = (detail: string) => new ScimSpError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string) => new ScimSpError(400, 'invalidPath', detail);
export const invalidSyntax = (detail: string) => new ScimSpError(400, 'invalidSyntax', detail);
export const mutability = (detail: string) => new ScimSpError(400, 'mutability', detail);
export const uniqueness = (detail: string) => new ScimSpError(409, 'uniqueness', detail);
export const notFound = (kind: string, id: string) =>
  new ScimSpError(404, undefined, `${kind} ${id} not found`);
export const unauthorized = () =>
  new ScimSpError(401, undefined, 'Not Authorized: a valid bearer token is required');
export const notAllowed = (detail: string) => new ScimSpError(405, undefined, detail);

/** The SCIM error body of a refusal. */
export function scimErrorBody(error: ScimSpError) {
  return {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.message,
  };
}

/** Sends a SCIM JSON answer with the SCIM media type. */
export function sendScim(res: Response, status: number, body: unknown): void {
  res.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Sends a 204 answer with no body. */
export function sendNoContent(res: Response): void {
  res.status(204).end();
}

/**
 * Sends a 429 the way the imitated API's rate limiters answer: the standard
 * Retry-After header in whole seconds and its plain `errors` list body.
 */
export function sendThrottled(res: Response, retryAfterSeconds: number, message: string): void {
  res.status(429).set('Retry-After', String(retryAfterSeconds))
    .json({ errors: [{ message }] });
}

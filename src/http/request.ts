import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Actor } from '../insights/events.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Request id: echoed in the x-request-id header and in every log line. */
      id: string;
      /** Who is acting, set by the authentication middleware. */
      actor?: Actor;
    }
  }
}

const VALID_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Takes a well-formed x-request-id from a proxy, or makes one. */
export const assignRequestId: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  req.id = given && VALID_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', req.id);
  next();
};

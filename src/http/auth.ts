import type { RequestHandler } from 'express';
import type { AdminService } from '../directory/admins.js';
import { actorOf } from '../directory/admins.js';
import { unauthorized } from './errors.js';

/** Admin API authentication: a live API key in the x-api-key header. */
export function requireApiKey(admins: AdminService): RequestHandler {
  return async (req, _res, next) => {
    const key = req.get('x-api-key');
    const admin = key ? await admins.authenticateApiKey(key) : null;
    if (!admin) throw unauthorized();
    req.actor = actorOf(admin);
    next();
  };
}

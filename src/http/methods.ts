import type { RequestHandler, Router } from 'express';
import { HttpError } from './errors.js';

/** What this code reads of the router's layers (the `router` package behind Express 5). */
interface Layer {
  match(path: string): { path: string } | false;
  route?: { methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/**
 * The methods some route of `stack` answers for `path`, HEAD included with GET.
 * Mounted routers are searched with the rest of the path below their mount point.
 */
function allowedMethods(stack: Layer[], path: string, found = new Set<string>()):
  Set<string> {
  for (const layer of stack) {
    const match = layer.match(path);
    if (!match) continue;
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) {
        if (method !== '_all') found.add(method.toUpperCase());
      }
      if (layer.route.methods.get) found.add('HEAD');
    } else if (layer.handle.stack) {
      allowedMethods(layer.handle.stack, path.slice(match.path.length) || '/', found);
    }
  }
  return found;
}

/**
 * 405 with an Allow header for a path that `router` has routes for, but not for this
 * method; placed after the routes, before the 404. A client told 404 would think the
 * resource is missing, when only the method is wrong.
 */
export function methodNotAllowed(router: Router): RequestHandler {
  return (req, res, next) => {
    const allowed = [...allowedMethods(router.stack as unknown as Layer[], req.path)].sort();
    if (allowed.length === 0) {
      next();
      return;
    }
    res.set('allow', allowed.join(', '));
    next(new HttpError(405, 'method_not_allowed',
      `${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(', ')}`));
  };
}

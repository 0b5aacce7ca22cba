import type { RequestHandler } from 'express';
import type { Logger } from '../log.js';

/**
 * One log line per request. Only the path is logged, never the query string or body:
 * SAML messages, tokens and passwords travel there.
 */
export function requestLogger(logger: Logger): RequestHandler {
  const log = logger.child({ category: 'http' });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({
        reqId: req.id, method: req.method, path: req.originalUrl.split('?')[0],
        status: res.statusCode, ms: Math.round(ms * 10) / 10,
      }, 'request');
    });
    next();
  };
}

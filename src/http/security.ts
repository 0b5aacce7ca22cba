import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers for the browser pages. The Content-Security-Policy allows scripts,
 * styles and fonts from this origin only (no inline script, so injected markup cannot
 * run code), images from here or data: URLs (uploaded logos), and no framing
 * (clickjacking). Forms may post to this origin; the SAML response page, which posts
 * to an application's ACS URL, sets its own form-action.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': options.https ? [] : null,
      },
    },
    strictTransportSecurity: options.https,
    referrerPolicy: { policy: 'same-origin' },
  });
}

/**
 * The folder of static files (stylesheet, scripts). From src/http it is ../../public;
 * from the built dist/src/http it is one level further up.
 */
function publicDir(): string {
  const candidates = ['../../public/', '../../../public/']
    .map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(`${dir}styles.css`)) ?? candidates[0]!;
}

/** Serves /assets/* (the one stylesheet and the page scripts), cached for an hour. */
export function staticAssets(): RequestHandler {
  return express.static(publicDir(), { maxAge: '1h', index: false, fallthrough: true });
}

import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';
import type { Config } from '../config.ts';
import { AppError } from '../domain/errors.ts';
import type { AppEnv } from './env.ts';

/**
 * Response headers both services send: a CSP with no inline or foreign scripts and no framing, no
 * MIME sniffing, no referrer (URLs can carry what a patron searched for), powerful browser features
 * off, and HSTS when the service itself speaks TLS.
 */
export const securityHeaders = (config: Pick<Config, 'secure'>) =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    strictTransportSecurity: config.secure ? 'max-age=31536000; includeSubDomains' : false,
    permissionsPolicy: {
      camera: [],
      microphone: [],
      geolocation: [],
      payment: [],
      usb: [],
      serial: [],
      hid: [],
      bluetooth: [],
      browsingTopics: [],
    },
  });

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;

/**
 * CSRF protection for the cookie sessions (staff and My Library), whatever the body's type: a
 * state-changing request from a browser must come from this very origin. Browsers say where a
 * request comes from in Sec-Fetch-Site (or, older ones, Origin); a request with neither is not from
 * a browser and carries no ambient cookie to abuse. SameSite cookies and the form-type check of
 * hono/csrf stay in place beside this.
 */
export const crossOriginProtection = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (SAFE_METHOD.test(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    let allowed: boolean;
    if (site !== undefined) allowed = site === 'same-origin' || site === 'none';
    else if (origin === undefined) allowed = true;
    else
      allowed =
        URL.canParse(origin) && new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
    if (!allowed) throw new AppError('forbidden', 'cross-site request refused (CSRF)');
    await next();
  });

/** Personal answers are never kept by the browser, a proxy or the back/forward cache. */
export const noStore = () =>
  createMiddleware(async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });

import { createHash, timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { AppError } from '../domain/errors.ts';
import type { AppEnv } from './env.ts';

/** The header the public service identifies itself with when it forwards a patron's request. */
export const SERVICE_HEADER = 'x-bunko-service';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The core's side of the narrow API the public OPAC service calls. A request naming a service must
 * carry the right credential and may reach the patron operations (/api/my/…) only; the patron's own
 * session still decides what it may see. Only for such a request is the patron's address taken from
 * X-Forwarded-For, so login rate limits count patrons, not the public service.
 */
export function servicePeer(token: string | undefined) {
  const expected = token ? digest(token) : null;
  return createMiddleware<AppEnv>(async (c, next) => {
    const claimed = c.req.header(SERVICE_HEADER);
    if (claimed === undefined) return next();
    if (!expected || !timingSafeEqual(digest(claimed), expected)) {
      throw new AppError('unauthenticated', 'unknown service credential');
    }
    if (!c.req.path.startsWith('/api/my/')) {
      throw new AppError('forbidden', 'the public service may call the patron operations only');
    }
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) c.set('clientAddress', forwarded);
    await next();
  });
}

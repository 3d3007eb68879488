import type { Permission, RouteAccess } from '@bunko/protocols';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { resolveSession } from '../domain/auth/sessions.ts';
import { AppError } from '../domain/errors.ts';
import type { AppEnv } from './env.ts';

/** `__Host-` needs Secure, which browsers only honour over TLS; plain-HTTP demos use a plain name. */
export const sessionCookieName = (config: Pick<Config, 'secure'>) =>
  config.secure ? '__Host-bunko_session' : 'bunko_session';

/** Resolve the session cookie (if any) into c.var.session and build the domain context. */
export function sessionMiddleware(config: Config, database: Database, now: () => Date) {
  const name = sessionCookieName(config);
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = getCookie(c, name);
    const session = token ? await resolveSession(database.db, token, now()) : null;
    c.set('session', session);
    c.set('ctx', {
      db: database.db,
      tenantId: session?.tenantId ?? '',
      staff: session?.staff ?? null,
      workstation: session?.workstation ?? null,
      requestId: c.get('requestId'),
      now,
    });
    await next();
  });
}

/** The gate every route declares: public, any staff session, or one named permission. */
export function requireAccess(access: RouteAccess) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (access !== 'public') {
      const session = c.get('session');
      if (!session) throw new AppError('unauthenticated');
      if (access !== 'session' && !session.staff.permissions.has(access as Permission)) {
        throw new AppError('forbidden', `requires ${access}`);
      }
    }
    await next();
  });
}

import type { Permission, RouteAccess } from '@bunko/protocols';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { resolveSession } from '../domain/auth/sessions.ts';
import { AppError } from '../domain/errors.ts';
import { resolvePatronSession } from '../domain/patron-auth/sessions.ts';
import type { AppEnv } from './env.ts';

/** `__Host-` needs Secure, which browsers only honour over TLS; plain-HTTP demos use a plain name. */
export const sessionCookieName = (config: Pick<Config, 'secure'>) =>
  config.secure ? '__Host-bunko_session' : 'bunko_session';

/** The My Library cookie: a different name from the staff one, so neither can stand in for the other. */
export const patronCookieName = (config: Pick<Config, 'secure'>) =>
  config.secure ? '__Host-bunko_patron' : 'bunko_patron';

/**
 * Resolve the staff session cookie (if any) into c.var.session and the My Library cookie into
 * c.var.patronSession, and build the domain context. The context acts for the staff session; only
 * the 'patron' gate (requireAccess) swaps in the patron's context, without any staff.
 */
export function sessionMiddleware(config: Config, database: Database, now: () => Date) {
  const name = sessionCookieName(config);
  const patronName = patronCookieName(config);
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = getCookie(c, name);
    const session = token ? await resolveSession(database.db, token, now()) : null;
    c.set('session', session);
    const patronToken = getCookie(c, patronName);
    c.set('patronSession', patronToken ? await resolvePatronSession(database.db, patronToken, now()) : null);
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

/**
 * The gate every route declares: public, any staff session, one named permission, or 'patron' — a
 * My Library session. A staff session never passes a patron route, nor a patron session a staff one.
 */
export function requireAccess(access: RouteAccess) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (access === 'patron') {
      const patronSession = c.get('patronSession');
      if (!patronSession) throw new AppError('unauthenticated');
      c.set('ctx', {
        ...c.get('ctx'),
        tenantId: patronSession.tenantId,
        staff: null,
        workstation: null,
        patron: patronSession.patron,
      });
    } else if (access !== 'public') {
      const session = c.get('session');
      if (!session) throw new AppError('unauthenticated');
      if (access !== 'session' && !session.staff.permissions.has(access as Permission)) {
        throw new AppError('forbidden', `requires ${access}`);
      }
    }
    await next();
  });
}

import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { staffUsers } from '../src/db/schema/index.ts';
import { call, login, makeTenant, PASSWORD, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;

beforeAll(async () => {
  database = await freshDatabase();
  await makeTenant(database, 'auth');
});
afterAll(async () => {
  await database?.close();
});

const loginRequest = (app: ReturnType<typeof testApp>, loginId: string, password: string) =>
  call(app, null, 'POST', '/api/auth/login', { tenant: 'auth', loginId, password });

describe('staff authentication', () => {
  it('stores passwords as argon2id hashes only', async () => {
    const [u] = await database.db.select().from(staffUsers).where(eq(staffUsers.loginId, 'admin'));
    expect(u!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(u!.passwordHash).not.toContain(PASSWORD);
  });

  it('sets an HttpOnly SameSite=Strict session cookie and answers who is logged in', async () => {
    const app = testApp(database);
    const res = await loginRequest(app, 'librarian', PASSWORD);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^bunko_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const body = (await res.json()) as { permissions: string[]; tenant: { code: string } };
    expect(body.tenant.code).toBe('auth');
    expect(body.permissions).toContain('catalog.write');
    expect(body.permissions).not.toContain('staff.admin');
    const me = await call(app, cookie.split(';')[0]!, 'GET', '/api/auth/me');
    expect(((await me.json()) as { staff: { loginId: string } }).staff.loginId).toBe('librarian');
  });

  it('uses a __Host- Secure cookie when served over TLS', async () => {
    const config = { ...loadConfig({ BUNKO_DATA_DIR: '/tmp/x' }), secure: true };
    const app = createApp({ config, database, logger: pino({ level: 'silent' }) });
    const res = await loginRequest(app as unknown as ReturnType<typeof testApp>, 'librarian', PASSWORD);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-bunko_session=/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Domain=/);
  });

  it('answers a wrong password and an unknown user the same way, in Japanese and English', async () => {
    const app = testApp(database);
    const wrong = await loginRequest(app, 'counter', 'not the password');
    const unknown = await loginRequest(app, 'nobody', 'not the password');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const body = (await res.json()) as {
        code: string;
        messageJa: string;
        messageEn: string;
        requestId: string;
      };
      expect(body).toMatchObject({ code: 'invalidCredentials', messageJa: 'IDまたはパスワードが違います' });
      expect(body.requestId).toBeTruthy();
    }
  });

  it('revokes the session on logout, server-side', async () => {
    const app = testApp(database);
    const cookie = await login(app, 'auth', 'counter');
    expect((await call(app, cookie, 'POST', '/api/auth/logout')).status).toBe(200);
    expect((await call(app, cookie, 'GET', '/api/auth/me')).status).toBe(401);
  });

  it('expires sessions server-side after the configured hours', async () => {
    let now = new Date('2026-11-25T09:00:00+09:00');
    const app = testApp(database, { now: () => now });
    const cookie = await login(app, 'auth', 'counter');
    now = new Date('2026-11-25T18:59:00+09:00');
    expect((await call(app, cookie, 'GET', '/api/auth/me')).status).toBe(200);
    now = new Date('2026-11-25T19:01:00+09:00');
    expect((await call(app, cookie, 'GET', '/api/auth/me')).status).toBe(401);
  });

  it('limits failed logins per account: after 5 failures even the right password waits', async () => {
    const app = testApp(database);
    for (let i = 0; i < 5; i++) expect((await loginRequest(app, 'it', `wrong-${i}`)).status).toBe(401);
    const limited = await loginRequest(app, 'it', PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { code: string }).code).toBe('rateLimited');
    // another account is not affected
    expect((await loginRequest(app, 'admin', PASSWORD)).status).toBe(200);
  });

  it('rejects malformed input with the fields named', async () => {
    const app = testApp(database);
    const res = await call(app, null, 'POST', '/api/auth/login', { tenant: '', loginId: 'x' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; issues: { path: string }[] };
    expect(body.code).toBe('validation');
    expect(body.issues.map((i) => i.path).sort()).toEqual(['password', 'tenant']);
  });
});

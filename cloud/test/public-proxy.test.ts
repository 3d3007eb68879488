import { Writable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { mailOutbox } from '../src/db/schema/index.ts';
import { PATRON_LOGIN_FAILURES_PER_ADDRESS } from '../src/http/routes/my-library.ts';
import { SERVICE_HEADER } from '../src/http/service-peer.ts';
import { createPublicApp } from '../src/public/app.ts';
import { publicLogger } from '../src/public/log.ts';
import { makeCirculatingLibrary, publicRoleFor, startSplit } from './support/public-fixture.ts';
import { silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * My Library through the public service: the patron's requests go to a real core on its own port,
 * over HTTP, with the service credential; only the patron operations pass, the public service keeps
 * nothing, and both services refuse cross-site requests and send their security headers.
 */

let database: Database;
let lib: Awaited<ReturnType<typeof makeCirculatingLibrary>>;
let pub: Awaited<ReturnType<typeof publicRoleFor>>;
let split: Awaited<ReturnType<typeof startSplit>>;
const logLines: string[] = [];

const jsonPost = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function patronLogin(key = 'alice', headers: Record<string, string> = {}) {
  const res = await split.fetch(
    '/api/my/login',
    jsonPost({ tenant: 'publib', cardNumber: lib.cards[key], password: lib.password }, headers),
  );
  return { res, cookie: res.headers.get('set-cookie')?.split(';')[0] ?? '' };
}

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeCirculatingLibrary(database, 'publib');
  pub = await publicRoleFor(database);
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  split = await startSplit(database, pub.reader, { tenant: 'publib', logger: publicLogger('info', sink) });
});

afterAll(async () => {
  await split?.close();
  await pub?.reader.close();
  await database?.close();
  await pub?.drop();
});

describe('patron operations through the public service', () => {
  it('logs in, lists loans and holds, renews, and logs out — against the core over HTTP', async () => {
    const { res, cookie } = await patronLogin();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^bunko_patron=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(await res.json()).toMatchObject({ tenant: { code: 'publib' }, mustChangePassword: false });

    const loans = await split.fetch('/api/my/loans', { headers: { cookie } });
    expect(loans.status).toBe(200);
    expect(loans.headers.get('cache-control')).toBe('no-store');
    const { loans: list } = (await loans.json()) as {
      loans: { loanId: string; title: string; dueOn: string }[];
    };
    expect(list).toEqual([expect.objectContaining({ title: '書名 novel', dueOn: lib.loans[0]!.dueOn })]);

    const holds = (await (await split.fetch('/api/my/holds', { headers: { cookie } })).json()) as {
      holds: { title: string; queuePosition: number }[];
    };
    expect(holds.holds).toEqual([expect.objectContaining({ title: '書名 popular', queuePosition: 2 })]);

    const renew = await split.fetch(`/api/my/loans/${list[0]!.loanId}/renew`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(renew.status).toBe(200);
    expect(((await renew.json()) as { renewals: number }).renewals).toBe(1);

    const out = await split.fetch('/api/my/logout', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^bunko_patron=;.*Max-Age=0/i);
    const after = await split.fetch('/api/my/loans', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(after.headers.get('cache-control')).toBe('no-store');
  });

  it("passes the core's refusals through: a renewal refused because someone holds the title", async () => {
    const { cookie } = await patronLogin('bob');
    const { loans } = (await (await split.fetch('/api/my/loans', { headers: { cookie } })).json()) as {
      loans: { loanId: string }[];
    };
    const res = await split.fetch(`/api/my/loans/${loans[0]!.loanId}/renew`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('renewalHeld');
  });

  it('changes the e-mail address and confirms it with the mailed link, through the public service', async () => {
    const { cookie } = await patronLogin('bob');
    const patch = await split.fetch('/api/my/contact', {
      method: 'PATCH',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bob.moved@example.jp' }),
    });
    expect(patch.status).toBe(200);
    expect(await patch.json()).toMatchObject({
      email: 'bob.publib@example.jp',
      pendingEmail: { email: 'bob.moved@example.jp' },
    });
    const [mail] = await database.db
      .select({ body: mailOutbox.body })
      .from(mailOutbox)
      .where(
        and(eq(mailOutbox.kind, 'emailChangeConfirm'), eq(mailOutbox.toAddress, 'bob.moved@example.jp')),
      );
    const token = /#token=([A-Za-z0-9_-]+)/.exec(mail!.body)![1]!;
    // the link's page needs no session: the token alone, forwarded to the core
    const confirmed = await split.fetch('/api/my/contact/email-confirm', jsonPost({ token }));
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get('cache-control')).toBe('no-store');
    const reused = await split.fetch('/api/my/contact/email-confirm', jsonPost({ token }));
    expect(((await reused.json()) as { code: string }).code).toBe('emailTokenUsed');
    const contact = await split.fetch('/api/my/contact', { headers: { cookie } });
    expect(await contact.json()).toMatchObject({ email: 'bob.moved@example.jp', pendingEmail: null });
  });

  it.each([
    ['GET', '/api/my/nothing-here'],
    ['GET', '/api/my/login'],
    ['DELETE', '/api/my/holds'],
    ['POST', '/api/my/loans/..%2F..%2Fpatrons/renew'],
    ['POST', '/api/my/holds/%2e%2e/cancel'],
    ['GET', '/api/my/../patrons'],
    ['GET', '/api/patrons'],
    ['GET', '/api/loans'],
  ])('refuses what is not a patron operation: %s %s', async (method, path) => {
    const { cookie } = await patronLogin('carol');
    const res = await split.fetch(path, { method, headers: { cookie, 'content-type': 'application/json' } });
    expect(res.status).toBe(404);
  });

  it('does not forward an oversized body', async () => {
    const res = await split.fetch(
      '/api/my/login',
      jsonPost({ tenant: 'publib', cardNumber: lib.cards.alice, password: 'x'.repeat(100_000) }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toBe('body too large');
  });

  it('keeps nothing personal in its logs: no card number, password, session token, name or address', async () => {
    const { cookie } = await patronLogin('carol');
    await split.fetch('/api/my/profile', { headers: { cookie } });
    const token = cookie.split('=')[1]!;
    const logs = logLines.join('');
    expect(logs).toContain('"path":"/api/my/profile"');
    for (const secret of [token, lib.password, ...lib.personal]) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/cookie|set-cookie/i);
  });

  it('answers 503 when the core cannot be reached', async () => {
    const offline = createPublicApp({
      config: { secure: false },
      reader: pub.reader,
      logger: silentLogger,
      coreUrl: 'http://127.0.0.1:1',
      serviceToken: split.serviceToken,
    });
    const res = await offline.request('/api/my/loans');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('notReady');
  });
});

describe("the core's side of the narrow API", () => {
  it('refuses a wrong service credential, and the right one anywhere but the patron operations', async () => {
    const wrong = await fetch(`${split.coreBase}/api/my/profile`, {
      headers: { [SERVICE_HEADER]: 'not-the-token' },
    });
    expect(wrong.status).toBe(401);
    const staff = await fetch(`${split.coreBase}/api/patrons`, {
      headers: { [SERVICE_HEADER]: split.serviceToken },
    });
    expect(staff.status).toBe(403);
  });

  it("counts failed logins per patron address the public service reports, only when it is the service's word", async () => {
    const serviceToken = 's'.repeat(40);
    const core = testApp(database, { serviceToken });
    const attempt = (headers: Record<string, string>) =>
      core.request(
        '/api/my/login',
        jsonPost({ tenant: 'publib', cardNumber: '29999999', password: 'wrong-pass' }, headers),
      );
    const via = (address: string) => ({ [SERVICE_HEADER]: serviceToken, 'x-forwarded-for': address });
    for (let i = 0; i < PATRON_LOGIN_FAILURES_PER_ADDRESS; i++) {
      expect((await attempt(via('203.0.113.7'))).status).toBe(401);
    }
    expect((await attempt(via('203.0.113.7'))).status).toBe(429);
    // another patron behind the same public service is not held back
    expect((await attempt(via('198.51.100.23'))).status).toBe(401);
    // without the credential a forwarded address means nothing (and a wrong credential is refused)
    expect((await attempt({ 'x-forwarded-for': '198.51.100.99' })).status).toBe(401);
    expect((await attempt({ [SERVICE_HEADER]: 'forged', 'x-forwarded-for': '198.51.100.99' })).status).toBe(
      401,
    );
  });
});

describe('security headers and CSRF on both services', () => {
  it('sends CSP without inline scripts, no framing, nosniff, no referrer, a Permissions-Policy; HSTS only with TLS', async () => {
    const core = await fetch(`${split.coreBase}/healthz`);
    const pubRes = await split.fetch('/');
    for (const res of [core, pubRes]) {
      const csp = res.headers.get('content-security-policy')!;
      const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'))!;
      expect(scriptSrc).toContain("'self'");
      expect(scriptSrc).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('permissions-policy')).toContain('camera=()');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    const secure = createPublicApp({
      config: { secure: true },
      reader: pub.reader,
      logger: silentLogger,
      coreUrl: split.coreBase,
      serviceToken: split.serviceToken,
    });
    expect((await secure.request('/')).headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('over TLS the public cookie is __Host- and Secure, whatever the core calls its own', async () => {
    const secure = createPublicApp({
      config: { secure: true },
      reader: pub.reader,
      logger: silentLogger,
      coreUrl: split.coreBase,
      serviceToken: split.serviceToken,
    });
    const res = await secure.request(
      '/api/my/login',
      jsonPost({ tenant: 'publib', cardNumber: lib.cards.carol, password: lib.password }),
    );
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^__Host-bunko_patron=/);
    expect(setCookie).toMatch(/Secure/);
    const cookie = setCookie.split(';')[0]!;
    expect((await secure.request('/api/my/profile', { headers: { cookie } })).status).toBe(200);
  });

  it('refuses cross-site state changes on the public service before they reach the core', async () => {
    const evil = await patronLogin('alice', { origin: 'https://evil.example' });
    expect(evil.res.status).toBe(403);
    expect(evil.cookie).toBe('');
    expect((await patronLogin('alice', { 'sec-fetch-site': 'cross-site' })).res.status).toBe(403);
    // a sibling port on the same host is another origin
    expect((await patronLogin('alice', { 'sec-fetch-site': 'same-site' })).res.status).toBe(403);
    expect((await patronLogin('alice', { origin: split.coreBase })).res.status).toBe(403);
    // a form post with no origin information at all (hono/csrf)
    const form = await split.fetch('/api/my/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'tenant=publib',
    });
    expect(form.status).toBe(403);
    // the page's own requests pass
    expect((await patronLogin('alice', { 'sec-fetch-site': 'same-origin' })).res.status).toBe(200);
    expect((await patronLogin('alice', { origin: split.base })).res.status).toBe(200);
  });

  it('refuses cross-site state changes on the core too, for staff and patron cookies alike', async () => {
    const staff = await fetch(
      `${split.coreBase}/api/auth/login`,
      jsonPost({ tenant: 'publib', loginId: 'admin', password: 'x' }, { origin: 'https://evil.example' }),
    );
    expect(staff.status).toBe(403);
    const patron = await fetch(`${split.coreBase}/api/my/logout`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'cross-site', cookie: 'bunko_patron=x' },
    });
    expect(patron.status).toBe(403);
    // reading is not a state change
    expect(
      (await fetch(`${split.coreBase}/api/openapi.json`, { headers: { 'sec-fetch-site': 'cross-site' } }))
        .status,
    ).toBe(200);
  });
});

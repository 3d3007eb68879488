import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { loans, operationLog, patronCards, patrons } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/domain/auth/passwords.ts';
import { legacySha256Hash, passwordProblem } from '../src/domain/patron-auth/passwords.ts';
import { PATRON_LOGIN_FAILURES_PER_ADDRESS } from '../src/http/routes/my-library.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let app: ReturnType<typeof testApp>;
let counter: string;
let librarian: string;
const passwords: Record<string, string> = {
  alice: 'alice-pass-123',
  bob: 'bob-legacy-pass',
  carol: 'carol-pass-123',
  expired: 'expired-pass-1',
  suspended: 'suspended-pass',
};

type AppLike = ReturnType<typeof testApp>;
type Body = { code?: string; [k: string]: unknown };

const patronLoginRequest = (a: AppLike, cardNumber: string, password: string, tenant = 'mylib') =>
  call(a, null, 'POST', '/api/my/login', { tenant, cardNumber, password });

async function patronCookie(key: string, a: AppLike = app) {
  const res = await patronLoginRequest(a, lib.cards[key]!, passwords[key]!);
  if (res.status !== 200) throw new Error(`patron login ${key}: ${res.status} ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

async function send(cookie: string | null, method: string, path: string, body?: unknown, a: AppLike = app) {
  const res = await call(a, cookie, method, path, body);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
}

/** A clock the test moves: the app reads time only through deps.now. */
function clockedApp() {
  let t = Date.now();
  const a = testApp(database, { now: () => new Date(t) });
  const advance = (ms: number) => {
    t += ms;
  };
  return { app: a, advance };
}

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeLibrary(database, 'mylib');
  app = testApp(database);
  counter = await login(app, 'mylib', 'counter');
  librarian = await login(app, 'mylib', 'librarian');
  for (const key of ['alice', 'carol', 'expired', 'suspended']) {
    await database.db
      .update(patrons)
      .set({ passwordHash: await hashPassword(passwords[key]!) })
      .where(eq(patrons.id, lib.patronIds[key]!));
  }
  // bob comes from a migrated system: a salted SHA-256 hash
  await database.db
    .update(patrons)
    .set({ passwordHash: legacySha256Hash(passwords.bob!, 'mig-salt-7') })
    .where(eq(patrons.id, lib.patronIds.bob!));
  await database.db
    .update(patrons)
    .set({ email: 'carol@example.jp' })
    .where(eq(patrons.id, lib.patronIds.carol!));
});

afterAll(async () => {
  await database?.close();
});

describe('patron login', () => {
  it('logs in with card number and password: an HttpOnly SameSite=Lax cookie distinct from the staff one', async () => {
    const res = await patronLoginRequest(app, lib.cards.alice!, passwords.alice!);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^bunko_patron=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(false);
    const me = await send(cookie.split(';')[0]!, 'GET', '/api/my/profile');
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.body).toMatchObject({
      name: '利用者 alice',
      category: { code: 'general' },
      cardLast4: lib.cards.alice!.slice(-4),
    });
    expect(JSON.stringify(me.body)).not.toContain(lib.cards.alice!);
  });

  it('answers a wrong password and an unknown card the same way', async () => {
    const wrong = await send(null, 'POST', '/api/my/login', {
      tenant: 'mylib',
      cardNumber: lib.cards.alice,
      password: 'not-the-password',
    });
    const unknown = await send(null, 'POST', '/api/my/login', {
      tenant: 'mylib',
      cardNumber: '29999999',
      password: 'not-the-password',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.code).toBe('invalidCredentials');
    expect(unknown.body.code).toBe('invalidCredentials');
    // a success resets the count of wrong passwords
    await patronCookie('alice');
  });

  it('locks the account after 5 wrong passwords, even for the right one, until the time has passed', async () => {
    const { app: a, advance } = clockedApp();
    for (let i = 1; i <= 4; i++) {
      const r = await patronLoginRequest(a, lib.cards.carol!, `wrong-${i}`);
      expect(r.status, `failure ${i}`).toBe(401);
    }
    const fifth = await send(
      null,
      'POST',
      '/api/my/login',
      {
        tenant: 'mylib',
        cardNumber: lib.cards.carol,
        password: 'wrong-5',
      },
      a,
    );
    expect(fifth.status).toBe(423);
    expect(fifth.body.code).toBe('accountLocked');
    const [row] = await database.db.select().from(patrons).where(eq(patrons.id, lib.patronIds.carol!));
    expect(row!.lockedUntil).not.toBeNull();

    advance(10 * 60_000);
    const stillLocked = await patronLoginRequest(a, lib.cards.carol!, passwords.carol!);
    expect(stillLocked.status).toBe(423);
    expect(Number(stillLocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(stillLocked.headers.get('retry-after'))).toBeLessThanOrEqual(5 * 60);

    advance(6 * 60_000);
    expect((await patronLoginRequest(a, lib.cards.carol!, passwords.carol!)).status).toBe(200);
    const [after] = await database.db.select().from(patrons).where(eq(patrons.id, lib.patronIds.carol!));
    expect(after!.lockedUntil).toBeNull();
    expect(after!.passwordFailures).toBe(0);
    const failed = await database.db
      .select()
      .from(operationLog)
      .where(
        and(eq(operationLog.action, 'patron.loginFailed'), eq(operationLog.targetId, lib.patronIds.carol!)),
      );
    expect(failed.length).toBe(5);
    expect(failed.some((f) => f.details.locked === true)).toBe(true);
  });

  it('limits failed logins per client address across cards (429 with retry-after)', async () => {
    const a = testApp(database); // its own limiter
    for (let i = 0; i < PATRON_LOGIN_FAILURES_PER_ADDRESS; i++) {
      const r = await patronLoginRequest(a, `2888${String(i).padStart(4, '0')}`, 'guess');
      expect(r.status).toBe(401);
    }
    const blocked = await send(
      null,
      'POST',
      '/api/my/login',
      {
        tenant: 'mylib',
        cardNumber: lib.cards.alice,
        password: passwords.alice,
      },
      a,
    );
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('rateLimited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses a suspended or expired patron and a blocked card, with the reason, after the right password', async () => {
    const suspended = await send(null, 'POST', '/api/my/login', {
      tenant: 'mylib',
      cardNumber: lib.cards.suspended,
      password: passwords.suspended,
    });
    expect(suspended.body.code).toBe('patronSuspended');
    const expired = await send(null, 'POST', '/api/my/login', {
      tenant: 'mylib',
      cardNumber: lib.cards.expired,
      password: passwords.expired,
    });
    expect(expired.body.code).toBe('patronExpired');
    await database.db.insert(patronCards).values({
      tenantId: lib.tenantId,
      patronId: lib.patronIds.alice!,
      barcode: '20000099',
      status: 'replaced',
    });
    const blocked = await send(null, 'POST', '/api/my/login', {
      tenant: 'mylib',
      cardNumber: '20000099',
      password: passwords.alice,
    });
    expect(blocked.body.code).toBe('cardNotActive');
    // the wrong password on a suspended account says nothing about the suspension
    const wrong = await send(null, 'POST', '/api/my/login', {
      tenant: 'mylib',
      cardNumber: lib.cards.suspended,
      password: 'nope-nope-nope',
    });
    expect(wrong.body.code).toBe('invalidCredentials');
  });

  it('verifies a legacy salted SHA-256 hash once and re-hashes it to argon2id', async () => {
    const before = await database.db.select().from(patrons).where(eq(patrons.id, lib.patronIds.bob!));
    expect(before[0]!.passwordHash).toMatch(/^sha256\$mig-salt-7\$/);
    expect((await patronLoginRequest(app, lib.cards.bob!, 'wrong-legacy')).status).toBe(401);
    expect((await patronLoginRequest(app, lib.cards.bob!, passwords.bob!)).status).toBe(200);
    const [after] = await database.db.select().from(patrons).where(eq(patrons.id, lib.patronIds.bob!));
    expect(after!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(after!.passwordFailures).toBe(0);
    // and the same password still works against the new hash
    expect((await patronLoginRequest(app, lib.cards.bob!, passwords.bob!)).status).toBe(200);
    const logged = await database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.action, 'patron.login'), eq(operationLog.targetId, lib.patronIds.bob!)));
    expect(logged.map((l) => l.details.rehashed ?? false)).toEqual([true, false]);
  });
});

describe('temporary passwords and password change', () => {
  it('staff with patrons.write issue a one-time password; the patron must change it first', async () => {
    const denied = await send(counter, 'POST', `/api/patrons/${lib.patronIds.alice}/password`);
    expect(denied.status).toBe(403);
    const issued = await send(librarian, 'POST', `/api/patrons/${lib.patronIds.alice}/password`);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const temp = issued.body.temporaryPassword as string;
    expect(temp).toMatch(/^[A-Za-z2-9]{10}$/);
    const [log] = await database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.action, 'patron.issuePassword'));
    expect(log).toMatchObject({
      staffLoginId: 'librarian',
      actorKind: 'staff',
      targetId: lib.patronIds.alice,
    });
    expect(JSON.stringify(log!.details)).not.toContain(temp);

    const res = await patronLoginRequest(app, lib.cards.alice!, temp);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(true);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect((await send(cookie, 'GET', '/api/my/loans')).body.code).toBe('passwordChangeRequired');
    expect((await send(cookie, 'GET', '/api/my/profile')).body.mustChangePassword).toBe(true);

    const tryNew = (newPassword: string, currentPassword = temp) =>
      send(cookie, 'POST', '/api/my/password', { currentPassword, newPassword });
    expect((await tryNew('short7')).body.code).toBe('passwordRejected');
    expect((await tryNew(`x${lib.cards.alice}x`)).body.code).toBe('passwordRejected');
    expect((await tryNew('1990-05-05born')).body.code).toBe('passwordRejected');
    expect((await tryNew('kitten-river-42', 'not-the-temp')).body.code).toBe('invalidCredentials');
    const changed = await tryNew('kitten-river-42');
    expect(changed.status).toBe(200);
    passwords.alice = 'kitten-river-42';
    expect((await send(cookie, 'GET', '/api/my/loans')).status).toBe(200);
    expect((await patronLoginRequest(app, lib.cards.alice!, temp)).status).toBe(401);
    const [changeLog] = await database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.action, 'patron.changePassword'));
    expect(changeLog).toMatchObject({
      actorKind: 'patron',
      actorPatronId: lib.patronIds.alice,
      staffId: null,
      details: {},
    });
  });

  it('refuses birth-date and card-number passwords', () => {
    const about = { cardNumbers: ['20000000'], birthDate: '1990-05-05' };
    expect(passwordProblem('19900505', about)).not.toBeNull();
    expect(passwordProblem('pass900505', about)).not.toBeNull();
    expect(passwordProblem('20000000', about)).not.toBeNull();
    expect(passwordProblem('0505', about)).not.toBeNull();
    expect(passwordProblem('blue-whale-0412', about)).toBeNull();
  });
});

describe('My Library', () => {
  let alice: string;
  let bob: string;
  let carol: string;
  let bobHoldId: string;

  beforeAll(async () => {
    for (const itemBarcode of ['1000001', '1000003']) {
      const r = await send(counter, 'POST', '/api/circulation/checkout', {
        patron: { cardBarcode: lib.cards.alice },
        itemBarcode,
        locationId: lib.mainId,
      });
      expect(r.status).toBe(200);
    }
    const r = await send(counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: lib.cards.bob },
      itemBarcode: '1000004',
      locationId: lib.mainId,
    });
    expect(r.status).toBe(200);
    alice = await patronCookie('alice');
    bob = await patronCookie('bob');
    carol = await patronCookie('carol');
  });

  it('lists my own loans with due dates in era and western form', async () => {
    const res = await send(alice, 'GET', '/api/my/loans');
    expect(res.status).toBe(200);
    const list = res.body.loans as { title: string; dueOn: string; dueOnEra: string; dueOnWestern: string }[];
    expect(list.map((l) => l.title).sort()).toEqual(['書名 novel', '書名 popular']);
    expect(list[0]!.dueOnEra).toMatch(/^令和\d+年\d+月\d+日\(.\)$/);
    expect(list[0]!.dueOnWestern).toMatch(/^\d{4}年\d+月\d+日\(.\)$/);
  });

  it('places holds with pickup location and contact method, and shows the queue position', async () => {
    const first = await send(bob, 'POST', '/api/my/holds', {
      bibId: lib.bibs.popular,
      pickupLocationId: lib.branchId,
      contactMethod: 'none',
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'requested', queuePosition: 1 });
    bobHoldId = first.body.holdId as string;
    const noEmail = await send(bob, 'POST', '/api/my/holds', {
      bibId: lib.bibs.novel,
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    });
    expect(noEmail.body.code).toBe('validation');
    const second = await send(carol, 'POST', '/api/my/holds', {
      bibId: lib.bibs.popular,
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    });
    expect(second.body).toMatchObject({ queuePosition: 2 });
    const carolHolds = (await send(carol, 'GET', '/api/my/holds')).body.holds as {
      title: string;
      queuePosition: number;
      contactMethod: string;
    }[];
    expect(carolHolds).toEqual([
      expect.objectContaining({ title: '書名 popular', queuePosition: 2, contactMethod: 'email' }),
    ]);
    const [hold] = await database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.action, 'hold.placeByPatron'), eq(operationLog.targetId, bobHoldId)));
    expect(hold).toMatchObject({ actorKind: 'patron', actorPatronId: lib.patronIds.bob, staffLoginId: null });
  });

  it('shows only my own holds; another patron hold or loan is not found', async () => {
    const aliceHolds = (await send(alice, 'GET', '/api/my/holds')).body.holds as unknown[];
    expect(aliceHolds).toEqual([]);
    expect((await send(alice, 'POST', `/api/my/holds/${bobHoldId}/cancel`)).status).toBe(404);
    const [bobLoan] = await database.db.select().from(loans).where(eq(loans.patronId, lib.patronIds.bob!));
    expect((await send(alice, 'POST', `/api/my/loans/${bobLoan!.id}/renew`)).status).toBe(404);
    const bobLoans = (await send(bob, 'GET', '/api/my/loans')).body.loans as { title: string }[];
    expect(bobLoans.map((l) => l.title)).toEqual(['書名 branchbook']);
  });

  it('renews my loan, and refuses with the reason when someone else waits for the title', async () => {
    const list = (await send(alice, 'GET', '/api/my/loans')).body.loans as {
      loanId: string;
      title: string;
    }[];
    const novel = list.find((l) => l.title === '書名 novel')!;
    const popular = list.find((l) => l.title === '書名 popular')!;
    const ok = await send(alice, 'POST', `/api/my/loans/${novel.loanId}/renew`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ renewals: 1 });
    const held = await send(alice, 'POST', `/api/my/loans/${popular.loanId}/renew`);
    expect(held.status).toBe(409);
    expect(held.body.code).toBe('renewalHeld');
    expect(held.body.messageJa).toBe('予約が入っているため延長できません');
    expect(held.body.overridable).toBeUndefined();
    const again = await send(alice, 'POST', `/api/my/loans/${novel.loanId}/renew`);
    expect(again.body.code).toBe('renewalLimit');
  });

  it('cancels my hold, and the next patron moves up the queue', async () => {
    const cancelled = await send(bob, 'POST', `/api/my/holds/${bobHoldId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await send(bob, 'GET', '/api/my/holds')).body.holds).toEqual([]);
    const carolHolds = (await send(carol, 'GET', '/api/my/holds')).body.holds as { queuePosition: number }[];
    expect(carolHolds[0]!.queuePosition).toBe(1);
  });

  it('never lets a staff cookie into My Library, nor a patron cookie into staff routes', async () => {
    expect((await send(librarian, 'GET', '/api/my/loans')).status).toBe(401);
    expect((await send(counter, 'POST', `/api/my/holds/${bobHoldId}/cancel`)).status).toBe(401);
    expect((await send(alice, 'GET', `/api/patrons/${lib.patronIds.alice}`)).status).toBe(401);
    expect((await send(alice, 'GET', '/api/auth/me')).status).toBe(401);
    expect((await send(alice, 'GET', `/api/patrons/${lib.patronIds.bob}/loans`)).status).toBe(401);
    // both cookies in one browser: each route sees only its own kind
    const both = `${alice}; ${librarian}`;
    expect(((await send(both, 'GET', '/api/auth/me')).body.staff as { loginId: string }).loginId).toBe(
      'librarian',
    );
    expect((await send(both, 'GET', '/api/my/profile')).body.name).toBe('利用者 alice');
  });

  it('logs every patron action with the patron as actor and no personal data', async () => {
    const entries = await database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.actorPatronId, lib.patronIds.alice!));
    const actions = new Set(entries.map((e) => e.action));
    for (const a of [
      'patron.login',
      'patron.viewLoans',
      'patron.viewHolds',
      'loan.renewByPatron',
      'patron.changePassword',
    ])
      expect(actions).toContain(a);
    for (const e of entries) {
      expect(e.actorKind).toBe('patron');
      expect(e.staffId).toBeNull();
      const text = JSON.stringify(e.details);
      expect(text).not.toContain('alice');
      expect(text).not.toContain(lib.cards.alice!);
    }
  });
});

describe('patron sessions', () => {
  it('end after 30 idle minutes and after 8 hours in any case', async () => {
    const { app: a, advance } = clockedApp();
    const cookie = await patronCookie('carol', a);
    advance(29 * 60_000);
    expect((await send(cookie, 'GET', '/api/my/profile', undefined, a)).status).toBe(200);
    advance(31 * 60_000);
    expect((await send(cookie, 'GET', '/api/my/profile', undefined, a)).status).toBe(401);

    const busy = await patronCookie('carol', a);
    for (let h = 0; h < 16; h++) {
      advance(29 * 60_000);
      expect((await send(busy, 'GET', '/api/my/profile', undefined, a)).status).toBe(200);
    }
    advance(20 * 60_000); // 8 h 4 min after login
    expect((await send(busy, 'GET', '/api/my/profile', undefined, a)).status).toBe(401);
  });

  it('logout revokes the session server-side', async () => {
    const cookie = await patronCookie('carol');
    const out = await call(app, cookie, 'POST', '/api/my/logout');
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^bunko_patron=;/);
    expect((await send(cookie, 'GET', '/api/my/profile')).status).toBe(401);
  });

  it('uses a __Host- cookie when served over TLS', async () => {
    const { loadConfig } = await import('../src/config.ts');
    const { createApp } = await import('../src/app.ts');
    const { silentLogger } = await import('./support/test-app.ts');
    const config = { ...loadConfig({ BUNKO_DATA_DIR: '/tmp/x' }), secure: true };
    const secure = createApp({ config, database, logger: silentLogger }) as unknown as AppLike;
    const res = await patronLoginRequest(secure, lib.cards.carol!, passwords.carol!);
    expect(res.headers.get('set-cookie')).toMatch(/^__Host-bunko_patron=.*Secure/);
  });
});

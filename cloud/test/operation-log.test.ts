import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, operationLog } from '../src/db/schema/index.ts';
import { call, login, makeTenant, PASSWORD, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let tenantId: string;

type Entry = {
  seq: number;
  action: string;
  targetId: string | null;
  workstation: string | null;
  staffLoginId: string | null;
  details: Record<string, unknown>;
};
const entries = async (cookie: string) =>
  ((await (await call(app, cookie, 'GET', '/api/oplog?limit=500')).json()) as { entries: Entry[] }).entries;

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  tenantId = (await makeTenant(database, 'oplog')).tenant.id;
});
afterAll(async () => {
  await database?.close();
});

describe('operation log', () => {
  it('records who did what to which record, when and from which workstation', async () => {
    const cookie = await login(app, 'oplog', 'admin', PASSWORD, 'カウンター1');
    const created = (await (
      await call(app, cookie, 'POST', '/api/bibs', { title: '石垣島の星空' })
    ).json()) as { id: string };
    await call(app, cookie, 'PATCH', `/api/bibs/${created.id}`, { title: '石垣島の星空 新版', ndc: '442' });
    const log = await entries(cookie);
    const update = log.find((e) => e.action === 'bib.update')!;
    expect(update).toMatchObject({ targetId: created.id, workstation: 'カウンター1', staffLoginId: 'admin' });
    expect(update.details).toEqual({ fields: ['ndc', 'title'] });
    expect(log.find((e) => e.action === 'bib.create')?.targetId).toBe(created.id);
    expect(log.find((e) => e.action === 'auth.login')?.workstation).toBe('カウンター1');
  });

  it('records failed logins without the password typed', async () => {
    await call(app, null, 'POST', '/api/auth/login', {
      tenant: 'oplog',
      loginId: 'counter',
      password: 'wrong-secret-123',
    });
    const cookie = await login(app, 'oplog', 'admin');
    const failed = (await entries(cookie)).find((e) => e.action === 'auth.loginFailed')!;
    expect(failed.details).toEqual({ loginId: 'counter' });
    expect(JSON.stringify(await entries(cookie))).not.toContain('wrong-secret-123');
  });

  it('is written in the same transaction as the action: if the log cannot be written, nothing changes', async () => {
    const cookie = await login(app, 'oplog', 'librarian');
    const bib = (await (await call(app, cookie, 'POST', '/api/bibs', { title: '元の題名' })).json()) as {
      id: string;
    };
    await database.db.execute(sql`
      create function test_refuse_bib_update_log() returns trigger as $$
      begin if new.action = 'bib.update' then raise exception 'log store unavailable'; end if; return new; end;
      $$ language plpgsql`);
    await database.db.execute(
      sql`create trigger test_refuse before insert on operation_log for each row execute function test_refuse_bib_update_log()`,
    );
    try {
      const res = await call(app, cookie, 'PATCH', `/api/bibs/${bib.id}`, { title: '変更後' });
      expect(res.status).toBe(500);
      const [row] = await database.db.select().from(bibRecords).where(eq(bibRecords.id, bib.id));
      expect(row!.title).toBe('元の題名');
    } finally {
      await database.db.execute(sql`drop trigger test_refuse on operation_log`);
    }
  });

  it('is append-only: rows cannot be updated or deleted, even with direct SQL', async () => {
    await expect(
      database.db.update(operationLog).set({ action: 'tampered' }).where(eq(operationLog.tenantId, tenantId)),
    ).rejects.toThrow();
    await expect(
      database.db.delete(operationLog).where(eq(operationLog.tenantId, tenantId)),
    ).rejects.toThrow();
    const rows = await database.db.select().from(operationLog).where(eq(operationLog.action, 'tampered'));
    expect(rows).toHaveLength(0);
  });

  it('can only be read with the oplog.read permission', async () => {
    const counter = await login(app, 'oplog', 'counter');
    expect((await call(app, counter, 'GET', '/api/oplog')).status).toBe(403);
    const it_ = await login(app, 'oplog', 'it');
    expect((await call(app, it_, 'GET', '/api/oplog')).status).toBe(200);
  });

  it('logs viewing a patron’s full record', async () => {
    const admin = await login(app, 'oplog', 'admin');
    const res = await call(app, admin, 'GET', '/api/patrons/00000000-0000-4000-8000-000000000000/full');
    expect(res.status).toBe(404);
    // a view of nothing is not a view; the logged case is covered where patrons exist (patrons suite)
    expect((await entries(admin)).some((e) => e.action === 'patron.viewFull')).toBe(false);
  });
});

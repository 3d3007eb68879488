import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { operationLog } from '../src/db/schema/index.ts';
import { call, login, makeTenant, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let librarian: string;
let counter: string;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in assertions
type Json = Record<string, any>;
const send = async (cookie: string, method: string, path: string, body?: unknown) => {
  const res = await call(app, cookie, method, path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const codes = async (cookie: string) =>
  (await send(cookie, 'GET', '/api/patron-settings/categories')).body.categories.map((c: Json) => c.code);

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  await makeTenant(database, 'cats');
  librarian = await login(app, 'cats', 'librarian');
  counter = await login(app, 'cats', 'counter');
});
afterAll(async () => {
  await database?.close();
});

describe('patron categories (利用者区分)', () => {
  it('a freshly provisioned library has 一般・中高生・児童・団体', async () => {
    const r = await send(counter, 'GET', '/api/patron-settings/categories');
    expect(r.status).toBe(200);
    const byCode = Object.fromEntries(r.body.categories.map((c: Json) => [c.code, c.nameJa]));
    expect(byCode).toEqual({ general: '一般', youth: '中高生', child: '児童', group: '団体' });
  });

  it('settings.write adds a category (logged); the code is unique and names are required', async () => {
    const added = await send(librarian, 'POST', '/api/patron-settings/categories', {
      code: 'senior',
      nameJa: '高齢者施設',
      nameEn: 'Care home',
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ code: 'senior', nameJa: '高齢者施設' });
    expect(await codes(counter)).toContain('senior');
    const log = await database.db
      .select()
      .from(operationLog)
      .where(
        and(eq(operationLog.targetId, added.body.id), eq(operationLog.action, 'settings.patronCategory.add')),
      );
    expect(log).toHaveLength(1);
    expect(log[0]!.details).toEqual({ code: 'senior' });

    const again = await send(librarian, 'POST', '/api/patron-settings/categories', {
      code: 'general',
      nameJa: '一般2',
      nameEn: 'Adult 2',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('duplicate');
    const blank = await send(librarian, 'POST', '/api/patron-settings/categories', {
      code: 'staff',
      nameJa: ' ',
      nameEn: 'Staff',
    });
    expect(blank.status).toBe(400);
    const badCode = await send(librarian, 'POST', '/api/patron-settings/categories', {
      code: 'Bad Code',
      nameJa: '職員',
      nameEn: 'Staff',
    });
    expect(badCode.status).toBe(400);
    expect(await codes(counter)).toHaveLength(5);
  });

  it('renames a category, keeping its code (logged); counter staff may not', async () => {
    const list = (await send(librarian, 'GET', '/api/patron-settings/categories')).body.categories as Json[];
    const youth = list.find((c) => c.code === 'youth')!;
    const renamed = await send(librarian, 'PATCH', `/api/patron-settings/categories/${youth.id}`, {
      nameJa: '中学・高校生',
      nameEn: 'Secondary student',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: youth.id, code: 'youth', nameJa: '中学・高校生' });
    const log = await database.db
      .select()
      .from(operationLog)
      .where(
        and(eq(operationLog.targetId, youth.id), eq(operationLog.action, 'settings.patronCategory.rename')),
      );
    expect(log).toHaveLength(1);

    const refused = await send(counter, 'PATCH', `/api/patron-settings/categories/${youth.id}`, {
      nameJa: '学生',
      nameEn: 'Student',
    });
    expect(refused.status).toBe(403);
    const added = await send(counter, 'POST', '/api/patron-settings/categories', {
      code: 'x',
      nameJa: 'x',
      nameEn: 'x',
    });
    expect(added.status).toBe(403);
    const missing = await send(librarian, 'PATCH', `/api/patron-settings/categories/${crypto.randomUUID()}`, {
      nameJa: '学生',
      nameEn: 'Student',
    });
    expect(missing.status).toBe(404);
  });
});

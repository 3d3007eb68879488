import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { locations, materialTypes } from '../src/db/schema/index.ts';
import {
  type RuleRow,
  resolveOverallRule,
  resolveRule,
  resolveTypeRule,
} from '../src/domain/rules/resolve-rule.ts';
import { call, login, makeTenant, patronCategory, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

const base = {
  loanable: true,
  maxRenewals: 1,
  renewalDays: 14,
  maxHolds: 10,
  pickupOpenDays: 7,
  overdueBlockDays: 15,
};
const rule = (id: string, dims: Partial<RuleRow>, loanDays: number, maxItems = 10): RuleRow => ({
  id,
  patronCategoryId: null,
  materialTypeId: null,
  locationId: null,
  ...base,
  loanDays,
  maxItems,
  ...dims,
});

describe('resolving the loan rules matrix', () => {
  const rules = [
    rule('fallback', {}, 14, 10),
    rule('av', { materialTypeId: 'dvd' }, 7, 3),
    rule('child', { patronCategoryId: 'child' }, 14, 5),
    rule('child-av', { patronCategoryId: 'child', materialTypeId: 'dvd' }, 7, 1),
    rule('bookmobile', { locationId: 'bm' }, 28, 10),
    rule('station', { locationId: 'kabira' }, 35, 10),
    rule('group', { patronCategoryId: 'group' }, 30, 100),
  ];
  const q = (cat: string, type: string | null, chain: string[] = ['main']) => ({
    patronCategoryId: cat,
    materialTypeId: type,
    locationChain: chain,
  });

  it('falls back to the all-any rule', () => {
    expect(resolveRule(rules, q('general', 'book'))?.id).toBe('fallback');
  });
  it('prefers the patron category over the material type over the location', () => {
    expect(resolveRule(rules, q('child', 'dvd'))?.id).toBe('child-av');
    expect(resolveRule(rules, q('child', 'book'))?.id).toBe('child');
    expect(resolveRule(rules, q('general', 'dvd'))?.id).toBe('av');
    expect(resolveRule(rules, q('general', 'dvd', ['kabira', 'bm']))?.id).toBe('av');
    expect(resolveRule(rules, q('group', 'book', ['kabira', 'bm']))?.id).toBe('group');
  });
  it('lets a station inherit its bookmobile’s rule unless it has its own', () => {
    expect(resolveRule(rules, q('general', 'book', ['kabira', 'bm']))?.id).toBe('station');
    expect(resolveRule(rules, q('general', 'book', ['ibaruma', 'bm']))?.id).toBe('bookmobile');
  });
  it('separates the overall limit from a per-type limit', () => {
    expect(resolveOverallRule(rules, { patronCategoryId: 'child', locationChain: ['main'] })?.maxItems).toBe(
      5,
    );
    expect(resolveTypeRule(rules, q('child', 'dvd'))?.maxItems).toBe(1);
    expect(resolveTypeRule(rules, q('general', 'book'))).toBeNull();
  });
});

describe('editing the loan rules', () => {
  let database: Database;
  let app: ReturnType<typeof testApp>;
  let ids: { child: string; dvd: string; main: string; foreignCat: string };

  beforeAll(async () => {
    database = await freshDatabase();
    app = testApp(database);
    const { tenant } = await makeTenant(database, 'rules');
    const { tenant: other } = await makeTenant(database, 'rules-other');
    const db = database.db;
    const child = await patronCategory(database, tenant.id, 'child');
    const foreign = await patronCategory(database, other.id, 'child');
    const [dvd] = await db
      .insert(materialTypes)
      .values({ tenantId: tenant.id, code: 'dvd', nameJa: 'DVD', nameEn: 'DVD', isAv: true })
      .returning();
    const [main] = await db
      .insert(locations)
      .values({ tenantId: tenant.id, code: 'main', nameJa: '本館', nameEn: 'Main', kind: 'library' })
      .returning();
    ids = { child: child!.id, dvd: dvd!.id, main: main!.id, foreignCat: foreign!.id };
  });
  afterAll(async () => {
    await database?.close();
  });

  const body = (dims: Record<string, string | null>, loanDays = 14) => ({
    patronCategoryId: null,
    materialTypeId: null,
    locationId: null,
    loanable: true,
    loanDays,
    maxItems: 10,
    maxRenewals: 1,
    renewalDays: 14,
    maxHolds: 10,
    pickupOpenDays: 7,
    overdueBlockDays: 15,
    ...dims,
  });

  it('saves one row per combination, replacing on a second save, and logs each change', async () => {
    const admin = await login(app, 'rules', 'librarian');
    expect((await call(app, admin, 'PUT', '/api/loan-rules', body({}))).status).toBe(200);
    expect(
      (await call(app, admin, 'PUT', '/api/loan-rules', body({ materialTypeId: ids.dvd }, 7))).status,
    ).toBe(200);
    expect(
      (await call(app, admin, 'PUT', '/api/loan-rules', body({ materialTypeId: ids.dvd }, 10))).status,
    ).toBe(200);
    const list = (await (await call(app, admin, 'GET', '/api/loan-rules')).json()) as {
      rules: { materialTypeId: string | null; loanDays: number }[];
    };
    expect(list.rules).toHaveLength(2);
    expect(list.rules.find((r) => r.materialTypeId === ids.dvd)?.loanDays).toBe(10);
    const log = (await (await call(app, await login(app, 'rules', 'admin'), 'GET', '/api/oplog')).json()) as {
      entries: { action: string }[];
    };
    expect(log.entries.filter((e) => e.action === 'loanRule.save')).toHaveLength(3);
  });

  it('refuses to delete the fallback rule, and deletes a specific one', async () => {
    const lib = await login(app, 'rules', 'librarian');
    const list = (await (await call(app, lib, 'GET', '/api/loan-rules')).json()) as {
      rules: { id: string; materialTypeId: string | null }[];
    };
    const fallback = list.rules.find((r) => r.materialTypeId === null)!;
    const dvd = list.rules.find((r) => r.materialTypeId === ids.dvd)!;
    const refused = await call(app, lib, 'DELETE', `/api/loan-rules/${fallback.id}`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { issues: { message: string }[] }).issues[0]!.message).toContain(
      '既定のルールは削除できません',
    );
    expect((await call(app, lib, 'DELETE', `/api/loan-rules/${dvd.id}`)).status).toBe(200);
  });

  it('rejects a rule naming another library’s patron category, and bad numbers', async () => {
    const lib = await login(app, 'rules', 'librarian');
    const foreign = await call(
      app,
      lib,
      'PUT',
      '/api/loan-rules',
      body({ patronCategoryId: ids.foreignCat }),
    );
    expect(foreign.status).toBe(400);
    const bad = await call(app, lib, 'PUT', '/api/loan-rules', { ...body({}), loanDays: 0, maxItems: -1 });
    expect(bad.status).toBe(400);
    const issues = ((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(issues).toEqual(['loanDays', 'maxItems']);
  });

  it('needs settings.write to change rules', async () => {
    const counter = await login(app, 'rules', 'counter');
    expect((await call(app, counter, 'GET', '/api/loan-rules')).status).toBe(200);
    expect((await call(app, counter, 'PUT', '/api/loan-rules', body({}))).status).toBe(403);
  });
});

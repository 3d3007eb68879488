import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { resultRows } from '../../cloud/src/db/result-rows.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { countTenantRows, type GenerateResult, generateTenant } from '../src/generate-tenant.ts';

const now = new Date('2026-11-25T03:00:00Z');
let database: Database;
let a: GenerateResult;
let b: GenerateResult;
let c: GenerateResult;

const rows = async <T>(q: SQL) => resultRows<T>(await database.db.execute(q));
const one = async (q: SQL) => Number(Object.values((await rows<Record<string, unknown>>(q))[0] ?? {})[0]);

/** modulus 10 weight 2-1 (Luhn), checked over the whole code including its check digit */
function luhnValid(code: string): boolean {
  let sum = 0;
  for (let i = 0; i < code.length; i++) {
    let d = Number(code[code.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

beforeAll(async () => {
  database = await freshDatabase();
  a = await generateTenant(database.db, { seed: 42, scale: 0.001, code: 'bench-a', now });
  b = await generateTenant(database.db, { seed: 42, scale: 0.001, code: 'bench-b', now });
  c = await generateTenant(database.db, { seed: 43, scale: 0.001, code: 'bench-c', now });
});

afterAll(async () => {
  await database?.close();
});

describe('generateTenant', () => {
  it('inserts the rows it reports, at the requested scale', async () => {
    const counts = await countTenantRows(database.db, a.tenantId);
    expect(counts.items).toBe(500); // 500,000 × 0.001
    expect(counts.patrons).toBe(60);
    expect(counts.loans).toBeGreaterThan(900); // 1,000 asked; a loan with no free item is skipped
    expect(counts.loans).toBeLessThanOrEqual(1000);
    expect(counts.bib_records).toBeGreaterThan(300);
    expect(counts.bib_records).toBeLessThan(500); // several copies of some titles
    expect(counts.patron_cards).toBeGreaterThanOrEqual(60);
    expect(counts.circulation_events).toBeGreaterThan(counts.loans! * 1.8);
    expect(counts.holds).toBeGreaterThan(0);
    for (const t of [
      'bib_records',
      'items',
      'patrons',
      'patron_cards',
      'loans',
      'circulation_events',
      'holds',
    ]) {
      expect(counts[t], t).toBe(a.rows[t]);
    }
  });

  it('keeps references sane', async () => {
    const t = a.tenantId;
    // every item's bibliographic record exists, in the same tenant
    expect(
      await one(sql`select count(*) from items i left join bib_records b on b.id = i.bib_id and b.tenant_id = i.tenant_id
        where i.tenant_id = ${t} and b.id is null`),
    ).toBe(0);
    // active loans: item exists in the tenant and is on loan, patron is set and may borrow
    const active = await one(sql`select count(*) from loans where tenant_id = ${t} and returned_at is null`);
    expect(active).toBeGreaterThan(0);
    expect(
      await one(sql`select count(*) from loans l join items i on i.id = l.item_id and i.tenant_id = l.tenant_id
        where l.tenant_id = ${t} and l.returned_at is null and i.status = 'onLoan'`),
    ).toBe(active);
    expect(await one(sql`select count(*) from items where tenant_id = ${t} and status = 'onLoan'`)).toBe(
      active,
    );
    expect(
      await one(sql`select count(*) from loans l join patrons p on p.id = l.patron_id
        where l.tenant_id = ${t} and l.returned_at is null and p.status in ('active', 'suspended')`),
    ).toBe(active);
    // every loan's item exists
    expect(
      await one(sql`select count(*) from loans l left join items i on i.id = l.item_id and i.tenant_id = l.tenant_id
        where l.tenant_id = ${t} and i.id is null`),
    ).toBe(0);
    // loans happen after the item was acquired, returns after loans, due dates never on a Monday
    expect(
      await one(sql`select count(*) from loans l join items i on i.id = l.item_id
        where l.tenant_id = ${t} and (l.loaned_at::date < i.acquired_on or l.returned_at < l.loaned_at
          or extract(isodow from l.due_on) = 1 or l.loaned_at > ${now.toISOString()}::timestamptz)`),
    ).toBe(0);
  });

  it('erases the patron link on returned loans unless the patron opted in', async () => {
    const t = a.tenantId;
    expect(
      await one(sql`select count(*) from loans l join patrons p on p.id = l.patron_id
        where l.tenant_id = ${t} and l.returned_at is not null and not p.reading_history_opt_in`),
    ).toBe(0);
    expect(
      await one(
        sql`select count(*) from loans where tenant_id = ${t} and returned_at is not null and patron_id is null`,
      ),
    ).toBeGreaterThan(500);
    expect(
      await one(
        sql`select count(*) from loans where tenant_id = ${t} and returned_at is null and patron_id is null`,
      ),
    ).toBe(0);
  });

  it('makes item and card barcodes with valid modulus-10 check digits, unique', async () => {
    const items = await rows<{ barcode: string }>(
      sql`select barcode from items where tenant_id = ${a.tenantId}`,
    );
    const cards = await rows<{ barcode: string }>(
      sql`select barcode from patron_cards where tenant_id = ${a.tenantId}`,
    );
    expect(items.length).toBe(500);
    for (const { barcode } of items) {
      expect(barcode).toMatch(/^1\d{9}$/);
      expect(luhnValid(barcode), barcode).toBe(true);
    }
    for (const { barcode } of cards) {
      expect(barcode).toMatch(/^2\d{9}$/);
      expect(luhnValid(barcode), barcode).toBe(true);
    }
    expect(new Set(cards.map((r) => r.barcode)).size).toBe(cards.length);
    // a corrupted digit is caught
    expect(luhnValid(`${items[0]!.barcode.slice(0, 9)}${(Number(items[0]!.barcode[9]) + 1) % 10}`)).toBe(
      false,
    );
  });

  it('writes Japanese titles with katakana readings and NDC classes', async () => {
    const bibs = await rows<{ title: string; title_reading: string; ndc: string | null }>(
      sql`select title, title_reading, ndc from bib_records where tenant_id = ${a.tenantId}`,
    );
    for (const bib of bibs) {
      expect(bib.title.length).toBeGreaterThan(0);
      expect(bib.title_reading).toMatch(/^[\u30a0-\u30ff\s0-9A-Za-z]+$/);
      if (bib.ndc) expect(bib.ndc).toMatch(/^(E|\d{3}(\.\d+)?)$/);
    }
    expect(bibs.some((x) => /[\u4e00-\u9fff]/.test(x.title))).toBe(true);
  });

  it('is deterministic: the same seed gives the same catalogue, patrons and loans', async () => {
    const firstItems = (t: string) =>
      rows<
        Record<string, unknown>
      >(sql`select i.barcode, i.call_number, i.status, b.title, b.title_reading, b.authors
        from items i join bib_records b on b.id = i.bib_id
        where i.tenant_id = ${t} order by i.barcode limit 50`);
    const firstPatrons = (t: string) =>
      rows<Record<string, unknown>>(sql`select c.barcode, p.name, p.name_reading, p.birth_date, p.status
        from patron_cards c join patrons p on p.id = c.patron_id
        where c.tenant_id = ${t} order by c.barcode limit 30`);
    const firstLoans = (t: string) =>
      rows<Record<string, unknown>>(sql`select i.barcode, l.loaned_at, l.due_on, l.returned_at, l.renewals
        from loans l join items i on i.id = l.item_id
        where l.tenant_id = ${t} order by l.loaned_at, i.barcode limit 50`);
    expect(await firstItems(b.tenantId)).toEqual(await firstItems(a.tenantId));
    expect(await firstPatrons(b.tenantId)).toEqual(await firstPatrons(a.tenantId));
    expect(await firstLoans(b.tenantId)).toEqual(await firstLoans(a.tenantId));
    // another seed: another catalogue
    const titles = async (t: string) => (await firstItems(t)).map((r) => r.title);
    expect(await titles(c.tenantId)).not.toEqual(await titles(a.tenantId));
  });
});

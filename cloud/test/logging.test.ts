import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { patrons } from '../src/db/schema/index.ts';
import { call, login, makeTenant, PASSWORD, patronCategory, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let patronId: string;

beforeAll(async () => {
  database = await freshDatabase();
  const { tenant } = await makeTenant(database, 'logs');
  const cat = await patronCategory(database, tenant.id, 'general');
  const [p] = await database.db
    .insert(patrons)
    .values({
      tenantId: tenant.id,
      categoryId: cat!.id,
      name: '比嘉 美咲',
      nameReading: 'ヒガ ミサキ',
      phone: '0980-12-3456',
      address: '石垣市字登野城1-1',
      expiresOn: '2030-03-31',
    })
    .returning();
  patronId = p!.id;
});
afterAll(async () => {
  await database?.close();
});

describe('logs', () => {
  it('log a failed query without its parameters', async () => {
    const { loggableError } = await import('../src/http/problem.ts');
    const err = await database.db
      .insert(patrons)
      .values({
        tenantId: '00000000-0000-0000-0000-000000000000',
        categoryId: 'not-a-uuid',
        name: '比嘉 美咲',
        nameReading: 'ヒガ ミサキ',
        expiresOn: '2030-03-31',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toContain('比嘉'); // the raw error carries the values …
    const entry = loggableError(err);
    expect(String(entry.query)).toContain('insert into "patrons"'); // … what we log keeps the SQL …
    const logged = JSON.stringify(entry);
    for (const value of ['比嘉', 'ヒガ', 'not-a-uuid']) expect(logged).not.toContain(value); // … not them
  });

  it('carry a request id on every line and no personal data, passwords or search terms', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const app = testApp(database, { logger: pino({ level: 'debug' }, sink) });
    const cookie = await login(app, 'logs', 'admin');
    await call(app, null, 'POST', '/api/auth/login', {
      tenant: 'logs',
      loginId: 'admin',
      password: 'typo-password',
    });
    await call(app, cookie, 'GET', `/api/bibs?q=${encodeURIComponent('沖縄の猫')}`);
    const full = await call(app, cookie, 'GET', `/api/patrons/${patronId}/full`);
    expect(((await full.json()) as { full: { phone: string } }).full.phone).toBe('0980-12-3456');

    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const entry = JSON.parse(line) as { requestId?: string };
      expect(entry.requestId).toBeTruthy();
    }
    const all = lines.join('\n');
    for (const secret of [
      PASSWORD,
      'typo-password',
      '比嘉',
      '0980-12-3456',
      '登野城',
      '沖縄',
      encodeURIComponent('沖縄の猫'),
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});

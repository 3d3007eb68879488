// MARC import jobs (取込): queued over HTTP, run in the background by MarcImportRunner, one per library
// at a time, resumed after a crash from the last committed batch without duplicating a record.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/client.ts';
import { bibRecords, marcImportFiles, marcImportJobs, operationLog } from '../src/db/schema/index.ts';
import {
  MarcImportRunner,
  type MarcImportRunnerOptions,
  startMarcImport,
} from '../src/domain/marc/import-jobs.ts';
import { adminCtx, call, login, makeTenant, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures/marc', name));
const NDL = fixture('jp__ndl-japan-marc21-first180.mrc');
const BAD = fixture('bad__pymarc__bad_records.mrc');
/** six Russian records in Windows-1251 under a MARC-8 leader (Ldr/09 blank): readable only when told */
const CP1251 = fixture('bad__pymarc__1251.dat');

type Job = {
  id: string;
  status: string;
  fileName: string;
  fileSize: number;
  expected: number | null;
  encoding: string | null;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  error: string | null;
  startedBy: { loginId: string; displayName: string | null };
  rejections: { position: number; offset: number; reason: string }[];
  records: { id: string; title: string; outcome: string }[];
};

let database: Database & { url?: string };
let app: ReturnType<typeof testApp>;
const tenantIds: Record<string, string> = {};
const adminIds: Record<string, string> = {};
const cookies: Record<string, string> = {};
const runners: MarcImportRunner[] = [];

/** A runner as a core process has one (not started: tests drain it when they want it to work). */
const runner = (options: MarcImportRunnerOptions = {}) => {
  const r = new MarcImportRunner(database.db, silentLogger, { batchSize: 50, progressEvery: 10, ...options });
  runners.push(r);
  return r;
};

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  for (const code of ['jobsa', 'jobsb', 'jobsc', 'jobsd', 'jobse', 'jobsf']) {
    const { tenant, staffIds } = await makeTenant(database, code);
    tenantIds[code] = tenant.id;
    adminIds[code] = staffIds.admin!;
    cookies[code] = await login(app, code, 'librarian');
  }
  cookies.counter = await login(app, 'jobsa', 'counter');
});
afterAll(async () => {
  for (const r of runners) await r.stop();
  await database?.close();
});

async function start(tenant: string, body: Uint8Array, query = 'fileName=weekly.mrc') {
  const res = await app.request(`/api/marc/imports?${query}`, {
    method: 'POST',
    headers: { cookie: cookies[tenant]!, 'content-type': 'application/marc' },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as Job;
}
const get = async (tenant: string, id: string) => {
  const res = await call(app, cookies[tenant]!, 'GET', `/api/marc/imports/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Job;
};
const bibCount = async (tenant: string) =>
  (
    await database.db
      .select({ n: count() })
      .from(bibRecords)
      .where(eq(bibRecords.tenantId, tenantIds[tenant]!))
  )[0]!.n;
const titles = async (tenant: string) =>
  (
    await database.db
      .select({ jp: bibRecords.jpNumber, title: bibRecords.title })
      .from(bibRecords)
      .where(eq(bibRecords.tenantId, tenantIds[tenant]!))
  )
    .map((r) => `${r.jp} ${r.title}`)
    .sort();
const logged = async (tenant: string, actions: string[]) =>
  database.db
    .select()
    .from(operationLog)
    .where(and(eq(operationLog.tenantId, tenantIds[tenant]!), inArray(operationLog.action, actions)));
/** The claim of a job's dead process runs out (as it would after the lease time). */
const expireClaim = (id: string) =>
  database.db
    .update(marcImportJobs)
    .set({ leaseUntil: sql`now() - interval '1 second'` })
    .where(eq(marcImportJobs.id, id));

describe('MARC import jobs', () => {
  it('answers 202 with a queued job at once; the runner imports the 180 records and reports them', async () => {
    const queued = await start('jobsa', NDL);
    expect(queued).toMatchObject({
      status: 'queued',
      fileName: 'weekly.mrc',
      fileSize: NDL.byteLength,
      expected: 180,
      processed: 0,
      startedBy: { loginId: 'librarian' },
    });
    expect(await bibCount('jobsa')).toBe(0);
    const seen: number[] = [];
    await runner({ onBatch: (_id, through) => seen.push(through) }).drain();
    expect(seen).toEqual([50, 100, 150, 180]);
    const done = await get('jobsa', queued.id);
    expect(done).toMatchObject({
      status: 'done',
      processed: 180,
      created: 180,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      rejections: [],
      error: null,
    });
    expect(done.records).toHaveLength(20);
    expect(done.records[0]!.outcome).toBe('created');
    expect(await bibCount('jobsa')).toBe(180);
    // the file is gone with the job's end; start and finish are logged, each record too
    expect(
      await database.db.select().from(marcImportFiles).where(eq(marcImportFiles.jobId, queued.id)),
    ).toEqual([]);
    const entries = await logged('jobsa', ['marc.importJob.start', 'marc.importJob.finish', 'bib.create']);
    expect(entries.filter((e) => e.action === 'bib.create')).toHaveLength(180);
    const finish = entries.find((e) => e.action === 'marc.importJob.finish')!;
    expect(finish).toMatchObject({ staffLoginId: 'librarian', targetId: queued.id });
    expect(finish.details).toMatchObject({ status: 'done', created: 180, processed: 180 });
    expect(entries.find((e) => e.action === 'marc.importJob.start')).toMatchObject({ targetId: queued.id });

    const list = (await (await call(app, cookies.jobsa!, 'GET', '/api/marc/imports')).json()) as {
      jobs: Job[];
    };
    expect(list.jobs[0]).toMatchObject({ id: queued.id, status: 'done', created: 180 });
  });

  it('reports rejected records with position, byte offset and reason', async () => {
    const job = await start('jobsb', BAD, 'fileName=bad.mrc');
    expect(job.expected).toBe(8);
    await runner().drain();
    const done = await get('jobsb', job.id);
    expect(done).toMatchObject({ status: 'done', processed: 8, created: 2, rejected: 6 });
    expect(done.rejections.map((r) => [r.position, r.offset])).toEqual([
      [2, 127],
      [3, 254],
      [4, 381],
      [5, 509],
      [6, 637],
      [7, 764],
    ]);
    for (const r of done.rejections) expect(r.reason.length).toBeGreaterThan(10);
  });

  it('imports MARCXML the same way', async () => {
    const xml = fixture('marc21__pymarc__batch.xml');
    const job = await start('jobsb', xml, 'fileName=batch.xml&format=marcxml');
    expect(job.expected).toBe(2);
    await runner().drain();
    expect(await get('jobsb', job.id)).toMatchObject({
      status: 'done',
      processed: 2,
      created: 2,
      rejected: 0,
    });
  });

  it('resumes after a crash between batches: no record twice, counts as if it had never stopped', async () => {
    const job = await start('jobsc', NDL);
    const first = runner({
      onBatch: (_id, through) => {
        // the process dies once the second batch is in (the third is then never committed)
        if (through === 100) void first.crash();
      },
    });
    await first.drain();
    const halfway = await get('jobsc', job.id);
    expect(halfway).toMatchObject({ status: 'running', created: 100, unchanged: 0 });
    expect(halfway.processed).toBeGreaterThanOrEqual(100);
    expect(await bibCount('jobsc')).toBe(100);
    const [row] = await database.db.select().from(marcImportJobs).where(eq(marcImportJobs.id, job.id));
    expect(row).toMatchObject({ resumeAfter: 100, attempts: 1 });

    // a restarted core does not take a claim that still holds…
    const second = runner();
    await second.drain();
    expect((await get('jobsc', job.id)).status).toBe('running');
    // …and resumes once it ran out, after record 100
    await expireClaim(job.id);
    await second.drain();
    const done = await get('jobsc', job.id);
    expect(done).toMatchObject({ status: 'done', processed: 180, created: 180, updated: 0, unchanged: 0 });
    expect(await bibCount('jobsc')).toBe(180);
    // the same records as the import that never stopped
    expect(await titles('jobsc')).toEqual(await titles('jobsa'));
    expect(await logged('jobsc', ['bib.create'])).toHaveLength(180);
    const [after] = await database.db.select().from(marcImportJobs).where(eq(marcImportJobs.id, job.id));
    expect(after).toMatchObject({ attempts: 2, resumeAfter: 180 });
  });

  it('a stopping core hands its job over at once; a job interrupted too often fails with the reason', async () => {
    const job = await start('jobsd', NDL);
    const first = runner({
      onBatch: (_id, through) => {
        if (through === 50) void first.stop();
      },
    });
    await first.drain();
    expect(await bibCount('jobsd')).toBe(50);
    await runner().drain(); // the claim was given back: no waiting for it to run out
    expect(await get('jobsd', job.id)).toMatchObject({ status: 'done', created: 180, unchanged: 0 });

    const again = await start('jobsd', NDL);
    await database.db
      .update(marcImportJobs)
      .set({
        status: 'running',
        attempts: 3,
        leaseOwner: 'gone',
        leaseUntil: sql`now() - interval '1 second'`,
      })
      .where(eq(marcImportJobs.id, again.id));
    await runner().drain();
    const failed = await get('jobsd', again.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/interrupted 3 times/);
    expect(
      await database.db.select().from(marcImportFiles).where(eq(marcImportFiles.jobId, again.id)),
    ).toEqual([]);
  });

  it('runs one job per library at a time; the others wait their turn', async () => {
    const a = await start('jobse', NDL, 'fileName=a.mrc');
    const b = await start('jobse', NDL, 'fileName=b.mrc');
    const order: string[] = [];
    const first = runner({
      onBatch: (id) => {
        order.push(id);
        if (id === a.id && order.filter((x) => x === a.id).length === 1) void first.crash();
      },
    });
    await first.drain();
    // a is running (its process gone, its claim still holding): b waits, another library's job runs
    expect((await get('jobse', a.id)).status).toBe('running');
    const other = await start('jobsa', BAD, 'fileName=other.mrc');
    await runner().drain();
    expect((await get('jobse', b.id)).status).toBe('queued');
    expect((await get('jobsa', other.id)).status).toBe('done');

    await expireClaim(a.id);
    order.length = 0;
    await runner({ concurrency: 4, onBatch: (id) => order.push(id) }).drain();
    const lastOfA = order.lastIndexOf(a.id);
    expect(lastOfA).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(b.id)).toBeGreaterThan(lastOfA);
    expect(await get('jobse', a.id)).toMatchObject({ status: 'done', created: 180 });
    expect(await get('jobse', b.id)).toMatchObject({ status: 'done', created: 0, unchanged: 180 });
    expect(await bibCount('jobse')).toBe(180);
  });

  it('reads the file in the character set the job was started with; without it the records are rejected', async () => {
    // as the records say (Ldr/09 blank: MARC-8), every record is refused, pointing at the encoding option
    const told = await start('jobsf', CP1251, 'fileName=rkp.dat');
    expect(told.encoding).toBeNull();
    await runner().drain();
    const asMarc8 = await get('jobsf', told.id);
    expect(asMarc8).toMatchObject({ status: 'done', processed: 6, created: 0, rejected: 6 });
    for (const r of asMarc8.rejections)
      expect(r.reason).toMatch(/bytes that MARC-8 does not define .*--encoding/);
    expect(await bibCount('jobsf')).toBe(0);

    const job = await start('jobsf', CP1251, 'fileName=rkp.dat&encoding=windows-1251');
    expect(job).toMatchObject({ status: 'queued', encoding: 'windows-1251', expected: 6 });
    await runner().drain();
    expect(await get('jobsf', job.id)).toMatchObject({
      status: 'done',
      encoding: 'windows-1251',
      processed: 6,
      created: 6,
      rejected: 0,
      rejections: [],
    });
    const rows = await database.db
      .select({ title: bibRecords.title, authors: bibRecords.authors, publisher: bibRecords.publisher })
      .from(bibRecords)
      .where(eq(bibRecords.tenantId, tenantIds.jobsf!));
    expect(rows.map((r) => r.title).sort()).toEqual(
      [
        'Мио, мой Мио! [повести-сказки : для детей : пер. со швед.]',
        'Нелинейные системы: геометрические методы анализа и синтеза',
        'Основы гидравлического расчета инженерных сетей [учеб. пособие для вузов по специальностям <Теплогазоснабжение и вентиляция>, <Водоснабжение и водоотведение>]',
        'Психологический тренинг с подростками',
        'Управление проектно-строительным процессом теория, правила, практика : [учеб. пособие для вузов по архитектур.-строит. специальностям]',
        'Экономика строительства крат. курс : [учеб. пособие по направлению 653500 <Стр-во>]',
      ].sort(),
    );
    const mio = rows.find((r) => r.title.startsWith('Мио, мой Мио!'))!;
    expect(mio.authors.map((a) => a.name)).toContain('Линдгрен, Астрид');
    expect(mio.publisher).toBe('Азбука-классика');

    const list = (await (await call(app, cookies.jobsf!, 'GET', '/api/marc/imports')).json()) as {
      jobs: Job[];
    };
    expect(list.jobs.map((j) => [j.id, j.encoding])).toEqual([
      [job.id, 'windows-1251'],
      [told.id, null],
    ]);
    const starts = await logged('jobsf', ['marc.importJob.start']);
    expect(starts.find((e) => e.targetId === job.id)!.details).toMatchObject({
      format: 'iso2709',
      encoding: 'windows-1251',
    });
    expect(starts.find((e) => e.targetId === told.id)!.details).toMatchObject({ encoding: null });
  });

  it('refuses an unknown encoding, and an encoding with MARCXML, before anything is stored', async () => {
    const jobsOf = async () =>
      (
        await database.db
          .select({ n: count() })
          .from(marcImportJobs)
          .where(eq(marcImportJobs.tenantId, tenantIds.jobsf!))
      )[0]!.n;
    const filesOf = async () =>
      (
        await database.db
          .select({ n: count() })
          .from(marcImportFiles)
          .where(eq(marcImportFiles.tenantId, tenantIds.jobsf!))
      )[0]!.n;
    const logsOf = async () => (await logged('jobsf', ['marc.importJob.start'])).length;
    const before = [await jobsOf(), await filesOf(), await logsOf()];
    const post = (query: string, body: Uint8Array, type = 'application/marc') =>
      app.request(`/api/marc/imports?${query}`, {
        method: 'POST',
        headers: { cookie: cookies.jobsf!, 'content-type': type },
        body,
      });
    for (const name of ['nosuch', 'marc-8']) {
      const res = await post(`fileName=rkp.dat&encoding=${name}`, CP1251);
      expect(res.status, name).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(
        new RegExp(`unknown encoding "${name}" \\(e\\.g\\. utf-8, cp866`),
      );
    }
    const xml = await post(
      'fileName=batch.xml&format=marcxml&encoding=utf-8',
      fixture('marc21__pymarc__batch.xml'),
      'application/marcxml+xml',
    );
    expect(xml.status).toBe(400);
    expect(((await xml.json()) as { detail: string }).detail).toMatch(
      /ISO 2709 files only: a MARCXML file declares its own/,
    );
    // the domain refuses the same, whoever calls it
    await expect(
      startMarcImport(adminCtx(database, tenantIds.jobsf!, adminIds.jobsf!), {
        bytes: CP1251,
        fileName: 'rkp.dat',
        format: 'iso2709',
        encoding: 'klingon',
      }),
    ).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringMatching(/unknown encoding "klingon"/),
    });
    expect([await jobsOf(), await filesOf(), await logsOf()]).toEqual(before);
  });

  it('refuses without catalog.write, an empty file, an unknown mapping; another library’s job is not found', async () => {
    for (const [method, path] of [
      ['POST', '/api/marc/imports'],
      ['GET', '/api/marc/imports'],
      ['GET', `/api/marc/imports/${crypto.randomUUID()}`],
    ] as const) {
      const res = await app.request(path, {
        method,
        headers: { cookie: cookies.counter!, 'content-type': 'application/marc' },
        ...(method === 'POST' ? { body: NDL } : {}),
      });
      expect(res.status, path).toBe(403);
    }
    const empty = await app.request('/api/marc/imports', {
      method: 'POST',
      headers: { cookie: cookies.jobsa!, 'content-type': 'application/marc' },
      body: new Uint8Array(0),
    });
    expect(empty.status).toBe(400);
    const unknown = await app.request('/api/marc/imports?mapping=nope', {
      method: 'POST',
      headers: { cookie: cookies.jobsa!, 'content-type': 'application/marc' },
      body: NDL,
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/unknown MARC mapping "nope"/);
    const [ofA] = await database.db
      .select({ id: marcImportJobs.id })
      .from(marcImportJobs)
      .where(eq(marcImportJobs.tenantId, tenantIds.jobsa!));
    expect((await call(app, cookies.jobsb!, 'GET', `/api/marc/imports/${ofA!.id}`)).status).toBe(404);
  });

  it('a core killed (SIGKILL) inside a batch: the next core resumes the job, no record twice', async () => {
    // a real process of its own; with PGlite the two take turns on one data directory
    const dir = mkdtempSync(join(tmpdir(), 'bunko-import-crash-'));
    const embedded = !database.url;
    let store: Database = embedded ? await openDatabase({ dataDir: dir }) : database;
    try {
      const { tenant, staffIds } = await makeTenant(store, 'jobskill');
      const job = await startMarcImport(adminCtx(store, tenant.id, staffIds.admin!), {
        bytes: NDL,
        fileName: 'weekly.mrc',
        format: 'iso2709',
        mapping: 'marc21',
      });
      if (embedded) await store.close();
      const { DATABASE_URL: _, ...env } = process.env;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'support/marc-import-crash-child.ts')],
        {
          env: {
            ...env,
            ...(embedded ? { BUNKO_DATA_DIR: dir } : { DATABASE_URL: database.url! }),
            BATCH: '20',
            DIE_AT: '60',
          },
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      const [code, signal] = await once(child, 'exit');
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
      if (embedded) store = await openDatabase({ dataDir: dir });
      const db = store.db;

      const bibsOf = async () =>
        (await db.select({ n: count() }).from(bibRecords).where(eq(bibRecords.tenantId, tenant.id)))[0]!.n;
      const [dead] = await db.select().from(marcImportJobs).where(eq(marcImportJobs.id, job.id));
      // the batch the process died in (records 41–60) left nothing behind
      expect(dead).toMatchObject({ status: 'running', resumeAfter: 40, attempts: 1 });
      expect(dead!.committed).toMatchObject({ processed: 40, created: 40 });
      expect(await bibsOf()).toBe(40);

      await db
        .update(marcImportJobs)
        .set({ leaseUntil: sql`now() - interval '1 second'` })
        .where(eq(marcImportJobs.id, job.id));
      await new MarcImportRunner(db, silentLogger, { batchSize: 20 }).drain();
      const [done] = await db.select().from(marcImportJobs).where(eq(marcImportJobs.id, job.id));
      expect(done).toMatchObject({ status: 'done', processed: 180, created: 180, unchanged: 0, attempts: 2 });
      expect(await bibsOf()).toBe(180);
      const creates = await db
        .select({ n: count() })
        .from(operationLog)
        .where(and(eq(operationLog.tenantId, tenant.id), eq(operationLog.action, 'bib.create')));
      expect(creates[0]!.n).toBe(180);
    } finally {
      if (embedded) await store.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

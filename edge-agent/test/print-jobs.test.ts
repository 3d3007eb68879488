import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { eraDate, type PrintJobDocument } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AgentPort } from '../../cloud/src/broker/agent-bridge.ts';
import {
  agents,
  items,
  loans,
  operationLog,
  overdueNotices,
  printJobs,
} from '../../cloud/src/db/schema/index.ts';
import { AppError } from '../../cloud/src/domain/errors.ts';
import {
  AGENT_LOST_REASON,
  applyPrintJobEvent,
  expireUnansweredJobs,
  listPrintJobs,
  NO_ANSWER_REASON,
  PRINTING_GRACE_MS,
  submitPrintJob,
} from '../../cloud/src/domain/printing/print-jobs.ts';
import { adminCtx, call, login } from '../../cloud/test/support/test-app.ts';
import type { Agent } from '../src/agent.ts';
import { encodeCp932 } from '../src/cp932.ts';
import { jobFileName } from '../src/drivers/virtual-printer.ts';
import { ESCPOS } from '../src/escpos.ts';
import {
  brokerProxy,
  type Core,
  capturePrinter,
  printRequest,
  startCore,
  startTestAgent,
  testBrokers,
} from './support/core.ts';
import { pdfToText } from './support/cups.ts';

let core: Core;
let printer: Awaited<ReturnType<typeof capturePrinter>>;
let labels: Awaited<ReturnType<typeof capturePrinter>>;
let agent: Agent;
let agentId: string;
let agentDir: string;
let cookie: string;

const lib = () => core.library!;
const has = (bytes: Buffer, text: string) => bytes.includes(Buffer.from(encodeCp932(text)));

describe.each(testBrokers)('print jobs through the core over $name', ({ external }) => {
  beforeAll(async () => {
    core = await startCore('printjobs', {
      library: true,
      ...(external ? { externalBrokerUrl: external } : {}),
    });
    printer = await capturePrinter();
    labels = await capturePrinter();
    ({
      agent,
      agentId,
      dataDir: agentDir,
    } = await startTestAgent(core, 'desk-1', [
      {
        id: 'receipt-1',
        kind: 'receiptPrinter',
        profile: 'epson-tm-t88vi',
        transport: { type: 'tcp9100', host: '127.0.0.1', port: printer.port },
      },
      {
        id: 'sticker-1',
        kind: 'labelPrinter',
        profile: 'epson-tm-l90',
        transport: { type: 'tcp9100', host: '127.0.0.1', port: labels.port },
      },
      { id: 'office-v', kind: 'colorPrinter', profile: 'generic-ipp-a4', transport: { type: 'virtual' } },
    ]));
    cookie = await login(core.app, 'printjobs', 'counter');
  });

  afterAll(async () => {
    await agent?.stop();
    await printer?.close();
    await labels?.close();
    await core?.close();
  });

  it('checkout in the API, then its receipt: ESC/POS bytes at the TCP 9100 printer, the job done', async () => {
    const loanIds: string[] = [];
    for (const barcode of ['1000001', '1000003']) {
      const res = await call(core.app, cookie, 'POST', '/api/circulation/checkout', {
        patron: { cardBarcode: lib().cards.alice },
        itemBarcode: barcode,
        locationId: lib().mainId,
      });
      expect(res.status).toBe(200);
      loanIds.push(((await res.json()) as { loanId: string }).loanId);
    }
    const before = printer.jobs.length;
    const res = await call(core.app, cookie, 'POST', '/api/print-jobs/checkout-receipt', {
      agentId,
      deviceKey: 'receipt-1',
      loanIds,
    });
    expect(res.status).toBe(200);
    const job = (await res.json()) as { id: string; state: string; document: string; notAfter: string };
    expect(job).toMatchObject({ state: 'done', document: 'checkout-receipt' });
    // a receipt is good for two minutes after it was asked for
    expect(Date.parse(job.notAfter) - Date.now()).toBeLessThanOrEqual(120_000);

    const bytes = printer.jobs[before]!;
    for (const text of ['printjobs図書館', '貸出票', '書名 novel', '書名 popular', '貸出点数'])
      expect(has(bytes, text), text).toBe(true);
    expect(has(bytes, lib().cards.alice!)).toBe(false); // only the card's last digits

    const list = await call(core.app, cookie, 'GET', `/api/print-jobs?agentId=${agentId}`);
    expect(((await list.json()) as { jobs: { id: string; state: string }[] }).jobs[0]).toMatchObject({
      id: job.id,
      state: 'done',
    });
    const logged = await core.database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, core.tenantId), eq(operationLog.targetId, job.id)));
    expect(logged.map((l) => l.action)).toEqual(['print.submit']);
  });

  it('refuses loans of two patrons, or none current, on one receipt', async () => {
    const res = await call(core.app, cookie, 'POST', '/api/print-jobs/checkout-receipt', {
      agentId,
      deviceKey: 'receipt-1',
      loanIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(res.status).toBe(404);
  });

  it('a stale job expires at the agent instead of printing, and the core shows it expired', async () => {
    const before = printer.jobs.length;
    // the job was made ten minutes ago (a core clock behind, a message held up): its two minutes are over
    const ctx = {
      ...adminCtx(core.database, core.tenantId, lib().staffIds.admin!),
      now: () => new Date(Date.now() - 600_000),
    };
    const job = await submitPrintJob(ctx, core.bridge, {
      agentId,
      deviceKey: 'receipt-1',
      document: { kind: 'document', title: 'checkout-receipt', blocks: [{ type: 'text', text: '古い' }] },
    });
    expect(job.state).toBe('expired');
    expect(printer.jobs.length).toBe(before);
    const list = await call(core.app, cookie, 'GET', '/api/print-jobs');
    expect(
      ((await list.json()) as { jobs: { id: string; state: string }[] }).jobs.find((j) => j.id === job.id),
    ).toMatchObject({
      state: 'expired',
    });
  });

  it('a job the agent never answered reads as expired once its time is over; a printing one is left', async () => {
    // the request is lost on its way (the bridge's wait runs out): the job stays queued
    const unanswered: AgentPort = { request: () => Promise.reject(new AppError('agentTimeout')) };
    const doc = { kind: 'document', title: 'checkout-receipt', blocks: [{ type: 'text', text: '無応答' }] };
    const admin = adminCtx(core.database, core.tenantId, lib().staffIds.admin!);
    const tenMinutesAgo = { ...admin, now: () => new Date(Date.now() - 600_000) };
    const target = { agentId, deviceKey: 'receipt-1', document: doc };
    const old = await submitPrintJob(tenMinutesAgo, unanswered, target);
    const fresh = await submitPrintJob(admin, unanswered, target);
    const begun = await submitPrintJob(tenMinutesAgo, unanswered, target);
    expect([old.state, fresh.state, begun.state]).toEqual(['queued', 'queued', 'queued']);
    expect(
      await applyPrintJobEvent(core.database.db, core.tenantId, agentId, {
        type: 'job',
        jobId: begun.id,
        deviceId: 'receipt-1',
        state: 'printing',
        at: new Date().toISOString(),
      }),
    ).toBe('applied');

    const list = await call(core.app, cookie, 'GET', `/api/print-jobs?agentId=${agentId}`);
    const jobs = ((await list.json()) as { jobs: { id: string; state: string; reason: string | null }[] })
      .jobs;
    const byId = (id: string) => jobs.find((j) => j.id === id);
    expect(byId(old.id)).toMatchObject({ state: 'expired', reason: NO_ANSWER_REASON });
    expect(byId(fresh.id)).toMatchObject({ state: 'queued', reason: null }); // its two minutes are not over
    expect(byId(begun.id)).toMatchObject({ state: 'printing' }); // the agent's events end it
    // expired is an end: a late answer from the agent does not move it
    const late = await applyPrintJobEvent(core.database.db, core.tenantId, agentId, {
      type: 'job',
      jobId: old.id,
      deviceId: 'receipt-1',
      state: 'done',
      at: new Date().toISOString(),
    });
    expect(late).toBe('ignored');
    // once the fresh job's time is over too, the sweep settles it (and finds nothing else to do)
    const later = { ...admin, now: () => new Date(Date.now() + 600_000) };
    expect((await listPrintJobs(later, { agentId })).find((j) => j.id === fresh.id)?.state).toBe('expired');
    expect(await expireUnansweredJobs(core.database.db, core.tenantId, later.now(), agentId)).toBe(0);
    expect((await listPrintJobs(later, { agentId })).find((j) => j.id === begun.id)?.state).toBe('printing');

    // the agent goes away for good in the middle of the begun job: past the grace, it reads as failed
    const [{ status } = { status: 'online' as const }] = await core.database.db
      .select({ status: agents.status })
      .from(agents)
      .where(eq(agents.id, agentId));
    await core.database.db.update(agents).set({ status: 'offline' }).where(eq(agents.id, agentId));
    try {
      const withinGrace = { ...admin, now: () => new Date(Date.now() + 600_000) };
      expect((await listPrintJobs(withinGrace, { agentId })).find((j) => j.id === begun.id)?.state).toBe(
        'printing',
      );
      const pastGrace = { ...admin, now: () => new Date(Date.now() + PRINTING_GRACE_MS + 60_000) };
      expect((await listPrintJobs(pastGrace, { agentId })).find((j) => j.id === begun.id)).toMatchObject({
        state: 'failed',
        reason: AGENT_LOST_REASON,
      });
    } finally {
      await core.database.db.update(agents).set({ status }).where(eq(agents.id, agentId));
    }
  });

  it('an unknown printer is refused before anything is recorded; an offline agent fails the job', async () => {
    const ctx = adminCtx(core.database, core.tenantId, lib().staffIds.admin!);
    const doc = { kind: 'text', lines: ['テスト'] };
    await expect(
      submitPrintJob(ctx, core.bridge, { agentId, deviceKey: 'nope', document: doc }),
    ).rejects.toMatchObject({
      code: 'notFound',
    });
    await expect(
      submitPrintJob(ctx, core.bridge, { agentId, deviceKey: 'receipt-1', document: { kind: 'text' } }),
    ).rejects.toMatchObject({ code: 'validation' });
    const offline = await submitPrintJob(ctx, undefined, { agentId, deviceKey: 'receipt-1', document: doc });
    expect(offline).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^agentOffline/) });
  });

  it('job events from the agent move the job (printing, then done) and never back from an end', async () => {
    const ctx = adminCtx(core.database, core.tenantId, lib().staffIds.admin!);
    const job = await submitPrintJob(ctx, core.bridge, {
      agentId,
      deviceKey: 'receipt-1',
      document: { kind: 'text', lines: ['事象'] },
    });
    expect(job.state).toBe('done');
    // a late `printing` event (QoS 1 redelivery) does not undo the end
    const late = await applyPrintJobEvent(core.database.db, core.tenantId, agentId, {
      type: 'job',
      jobId: job.id,
      deviceId: 'receipt-1',
      state: 'printing',
      at: new Date().toISOString(),
    });
    expect(late).toBe('ignored');
    await vi.waitFor(async () => {
      const list = await call(core.app, cookie, 'GET', `/api/print-jobs?agentId=${agentId}&limit=1`);
      expect(((await list.json()) as { jobs: { state: string }[] }).jobs[0]?.state).toBe('done');
    });
  });

  it('a reading-record sticker: today’s titles and the day, no name and no card, on the sticker printer', async () => {
    const before = labels.jobs.length;
    const res = await call(core.app, cookie, 'POST', '/api/print-jobs/reading-record', {
      agentId,
      deviceKey: 'sticker-1',
      patronId: lib().patronIds.alice,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'done', document: 'reading-record' });
    const bytes = labels.jobs[before]!;
    for (const text of ['読書記録', '書名 novel', '書名 popular', eraDate(lib().today, false)])
      expect(has(bytes, text), text).toBe(true);
    expect(has(bytes, '利用者 alice')).toBe(false);
    expect(has(bytes, lib().cards.alice!)).toBe(false);
    // bob borrowed nothing today: nothing to print
    const none = await call(core.app, cookie, 'POST', '/api/print-jobs/reading-record', {
      agentId,
      deviceKey: 'sticker-1',
      patronId: lib().patronIds.bob,
    });
    expect(none.status).toBe(404);
  });

  it('spine labels: each copy’s call number on its lines, large, labels cut apart', async () => {
    const ids = ['1000002', '1000004'].map((b) => lib().items[b]!.id);
    await core.database.db.update(items).set({ callNumber: '913.6/ム/1' }).where(eq(items.id, ids[0]!));
    await core.database.db.update(items).set({ callNumber: '219.9 イ' }).where(eq(items.id, ids[1]!));
    const librarian = await login(core.app, 'printjobs', 'librarian');
    const before = labels.jobs.length;
    const res = await call(core.app, librarian, 'POST', '/api/print-jobs/spine-labels', {
      agentId,
      deviceKey: 'sticker-1',
      itemIds: ids,
    });
    expect(res.status).toBe(200);
    const bytes = labels.jobs[before]!;
    const at = (text: string) => bytes.indexOf(Buffer.from(encodeCp932(text)));
    const cut = Buffer.from(ESCPOS.fullCut); // the TM-L90 profile has a full cutter
    const firstCut = bytes.indexOf(cut);
    expect(at('913.6')).toBeGreaterThan(-1);
    expect(at('ム')).toBeGreaterThan(at('913.6'));
    expect(firstCut).toBeGreaterThan(at('ム'));
    expect(at('219.9')).toBeGreaterThan(firstCut); // the second label after the first cut
    expect(bytes.indexOf(cut, firstCut + 1)).toBeGreaterThan(at('イ'));
    expect(bytes.includes(Buffer.from(ESCPOS.doubleSize))).toBe(true);
    // counter staff may not print spine labels (items.write)
    const denied = await call(core.app, cookie, 'POST', '/api/print-jobs/spine-labels', {
      agentId,
      deviceKey: 'sticker-1',
      itemIds: ids,
    });
    expect(denied.status).toBe(403);
  });

  it('the postcard address list as a PDF on the page printer: names, addresses and counts, no titles', async () => {
    await core.database.db.insert(overdueNotices).values({
      tenantId: core.tenantId,
      patronId: lib().patronIds.bob!,
      stage: 2,
      channel: 'postcard',
      noticeDay: lib().today,
      spellLoanId: randomUUID(),
      loanIds: [],
      itemCount: 2,
      oldestDueOn: lib().today,
    });
    const res = await call(
      core.app,
      await login(core.app, 'printjobs', 'librarian'),
      'POST',
      '/api/print-jobs/postcard-list',
      {
        agentId,
        deviceKey: 'office-v',
      },
    );
    expect(res.status).toBe(200);
    const job = (await res.json()) as { id: string; state: string };
    expect(job.state).toBe('done');
    const text = pdfToText(join(agentDir, 'prints', 'office-v', jobFileName(job.id, 'pdf')));
    for (const s of ['督促はがき 宛名リスト（1件）', '利用者 bob 様', '2点']) expect(text).toContain(s);
    expect(text).not.toContain('書名');
    // counter staff may not (circulation.notices)
    const denied = await call(core.app, cookie, 'POST', '/api/print-jobs/postcard-list', {
      agentId,
      deviceKey: 'office-v',
    });
    expect(denied.status).toBe(403);
  });

  it('overdue letters: one page per patron, named (sealed), with the titles and era due dates', async () => {
    const [loan] = await core.database.db
      .select({ id: loans.id, dueOn: loans.dueOn })
      .from(loans)
      // alice's loan of 書名 novel, lent in the first test
      .where(and(eq(loans.tenantId, core.tenantId), eq(loans.itemId, lib().items['1000001']!.id)));
    await core.database.db.insert(overdueNotices).values({
      tenantId: core.tenantId,
      patronId: lib().patronIds.alice!,
      stage: 3,
      channel: 'letter',
      noticeDay: lib().today,
      spellLoanId: loan!.id,
      loanIds: [loan!.id],
      itemCount: 1,
      oldestDueOn: loan!.dueOn,
    });
    const librarian = await login(core.app, 'printjobs', 'librarian');
    const res = await call(core.app, librarian, 'POST', '/api/print-jobs/overdue-letters', {
      agentId,
      deviceKey: 'office-v',
    });
    expect(res.status).toBe(200);
    const job = (await res.json()) as { id: string; state: string; document: string };
    expect(job).toMatchObject({ state: 'done', document: 'overdue-letter' });
    const text = pdfToText(join(agentDir, 'prints', 'office-v', jobFileName(job.id, 'pdf')));
    for (const s of ['利用者 alice 様', '図書返却のお願い', '書名 novel', eraDate(loan!.dueOn, false)])
      expect(text).toContain(s);
  });

  it('the broker link drops while a receipt prints, the core resends the same job: one receipt, the job done', async () => {
    const held = await capturePrinter();
    const proxy = await brokerProxy(core.url);
    const desk = await startTestAgent(
      core,
      'desk-drop',
      [
        {
          id: 'receipt-1',
          kind: 'receiptPrinter',
          profile: 'epson-tm-t88vi',
          transport: { type: 'tcp9100', host: '127.0.0.1', port: held.port },
        },
      ],
      { brokerUrl: proxy.url },
    );
    try {
      held.hold();
      const ctx = adminCtx(core.database, core.tenantId, lib().staffIds.admin!);
      const document = { kind: 'text', lines: ['切断中の貸出票'] };
      const first = submitPrintJob(ctx, core.bridge, {
        agentId: desk.agentId,
        deviceKey: 'receipt-1',
        document,
      });
      // the bytes are at the printer, which has not closed yet: the job is in flight at the agent
      await vi.waitFor(() => expect(held.jobs).toHaveLength(1), { timeout: 15_000, interval: 20 });
      const [row] = await core.database.db
        .select()
        .from(printJobs)
        .where(and(eq(printJobs.tenantId, core.tenantId), eq(printJobs.agentId, desk.agentId)));
      expect(row?.state).not.toBe('done'); // the agent still waits for the printer to close
      proxy.cut(); // the link is lost without a DISCONNECT, on either broker
      held.release();
      await vi.waitFor(
        async () => {
          expect(proxy.connections()).toBeGreaterThan(1);
          expect((await core.agentRow(desk.agentId))?.status).toBe('online');
        },
        { timeout: 30_000, interval: 50 },
      );
      // the core sends the job again with its jobId, as a retry does: the agent answers from its journal
      const again = await core.request(
        desk.agentId,
        printRequest('receipt-1', document as PrintJobDocument, { jobId: row!.id }),
      );
      expect(again).toMatchObject({ ok: true, result: { printed: true, duplicate: true } });
      await first;
      await vi.waitFor(async () => {
        const [now] = await core.database.db
          .select({ state: printJobs.state })
          .from(printJobs)
          .where(and(eq(printJobs.tenantId, core.tenantId), eq(printJobs.id, row!.id)));
        expect(now?.state).toBe('done');
      });
      expect(held.jobs).toHaveLength(1);
      expect(has(held.jobs[0]!, '切断中の貸出票')).toBe(true);
    } finally {
      held.release();
      await desk.agent.stop();
      await proxy.close();
      await held.close();
    }
  });
});

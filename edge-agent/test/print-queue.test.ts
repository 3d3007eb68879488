import { randomUUID } from 'node:crypto';
import type { PrintJobDocument } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AgentPort } from '../../cloud/src/broker/agent-bridge.ts';
import { operationLog, printJobs } from '../../cloud/src/db/schema/index.ts';
import { AppError } from '../../cloud/src/domain/errors.ts';
import {
  expireWaitingJobs,
  listPrintJobs,
  NOT_BACK_REASON,
  resendWaitingJobs,
  submitPrintJob,
  WAITING_BEHIND_REASON,
  WAITING_REASON,
} from '../../cloud/src/domain/printing/print-jobs.ts';
import { adminCtx, call, login, silentLogger } from '../../cloud/test/support/test-app.ts';
import { type Agent, createAgent } from '../src/agent.ts';
import { encodeCp932 } from '../src/cp932.ts';
import { PrintJournal } from '../src/journal.ts';
import {
  agentConfig,
  brokerProxy,
  type Core,
  capturePrinter,
  printRequest,
  startCore,
  startTestAgent,
  testBrokers,
} from './support/core.ts';

const has = (bytes: Buffer, text: string) => bytes.includes(Buffer.from(encodeCp932(text)));
const WAIT = { timeout: 30_000, interval: 50 };

describe.each(testBrokers)('print jobs that wait for their agent, over $name', ({ external }) => {
  let core: Core;
  let printer: Awaited<ReturnType<typeof capturePrinter>>;
  let creds: Awaited<ReturnType<typeof startTestAgent>>['creds'];
  let dataDir: string;
  let agent: Agent | undefined;
  let cookie: string;
  let deviceConfig: unknown[];

  const agentId = () => creds.agentId;
  const admin = () => adminCtx(core.database, core.tenantId, core.library!.staffIds.admin!);
  const job = async (id: string) => {
    const [row] = await core.database.db
      .select()
      .from(printJobs)
      .where(and(eq(printJobs.tenantId, core.tenantId), eq(printJobs.id, id)));
    return row!;
  };
  /** the agent process goes away (it says so: `offline`), and the core has seen it */
  const stopAgent = async () => {
    await agent?.stop();
    agent = undefined;
    await vi.waitFor(async () => expect((await core.agentRow(agentId()))?.status).toBe('offline'), WAIT);
  };
  /** the agent starts again with its data directory (its journal), as after a restart or a lost link */
  const startAgent = async (brokerUrl?: string) => {
    agent = createAgent(agentConfig(core, creds, dataDir, deviceConfig, brokerUrl), { logger: silentLogger });
    await agent.start();
    await vi.waitFor(async () => expect((await core.agentRow(agentId()))?.status).toBe('online'), WAIT);
  };
  const text = (line: string): PrintJobDocument => ({ kind: 'text', lines: [line] });

  beforeAll(async () => {
    core = await startCore('printqueue', {
      library: true,
      ...(external ? { externalBrokerUrl: external } : {}),
    });
    printer = await capturePrinter();
    deviceConfig = [
      {
        id: 'receipt-1',
        kind: 'receiptPrinter',
        profile: 'epson-tm-t88vi',
        transport: { type: 'tcp9100', host: '127.0.0.1', port: printer.port },
      },
    ];
    const started = await startTestAgent(core, 'desk-q', deviceConfig);
    ({ creds, dataDir, agent } = started);
    cookie = await login(core.app, 'printqueue', 'counter');
  });

  afterAll(async () => {
    await agent?.stop();
    await printer?.close();
    await core?.close();
  });

  it('a receipt asked for while the agent is offline waits, then prints once, in order, when it is back', async () => {
    await stopAgent();
    const loanIds: string[] = [];
    for (const barcode of ['1000001', '1000003']) {
      const res = await call(core.app, cookie, 'POST', '/api/circulation/checkout', {
        patron: { cardBarcode: core.library!.cards.alice },
        itemBarcode: barcode,
        locationId: core.library!.mainId,
      });
      expect(res.status).toBe(200);
      loanIds.push(((await res.json()) as { loanId: string }).loanId);
    }
    const before = printer.jobs.length;
    const res = await call(core.app, cookie, 'POST', '/api/print-jobs/checkout-receipt', {
      agentId: agentId(),
      deviceKey: 'receipt-1',
      loanIds,
    });
    expect(res.status).toBe(200);
    const receipt = (await res.json()) as { id: string; state: string; reason: string };
    expect(receipt).toMatchObject({ state: 'queued', reason: WAITING_REASON });
    // a second job, made after it, goes out after it
    const second = await submitPrintJob(admin(), core.bridge, {
      agentId: agentId(),
      deviceKey: 'receipt-1',
      document: text('二枚目の票'),
    });
    expect(second).toMatchObject({ state: 'queued', reason: WAITING_REASON });
    // the devices page lists them waiting (the sweep leaves them: their time is not over)
    const listed = await call(core.app, cookie, 'GET', `/api/print-jobs?agentId=${agentId()}`);
    const jobs = ((await listed.json()) as { jobs: { id: string; state: string; reason: string }[] }).jobs;
    expect(jobs.find((j) => j.id === receipt.id)).toMatchObject({ state: 'queued', reason: WAITING_REASON });
    expect(printer.jobs.length).toBe(before);

    await startAgent();
    await vi.waitFor(async () => {
      expect((await job(receipt.id)).state).toBe('done');
      expect((await job(second.id)).state).toBe('done');
    }, WAIT);
    expect(printer.jobs.length).toBe(before + 2);
    expect(has(printer.jobs[before]!, '貸出票')).toBe(true);
    expect(has(printer.jobs[before]!, '書名 novel')).toBe(true);
    expect(has(printer.jobs[before + 1]!, '二枚目の票')).toBe(true);
    // the content is not kept once the job has left the queue, nor a claim on it
    expect(await job(receipt.id)).toMatchObject({ payload: null, sendingUntil: null, reason: null });
    // the submit is logged; the resend is the system's and is not
    const logged = await core.database.db
      .select({ action: operationLog.action })
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, core.tenantId), eq(operationLog.targetId, receipt.id)));
    expect(logged.map((l) => l.action)).toEqual(['print.submit']);

    // the agent's link drops and comes back (another `online`): nothing is sent, nothing prints again
    await stopAgent();
    await startAgent();
    expect(await resendWaitingJobs(core.database.db, core.bridge, core.tenantId, agentId())).toEqual({
      sent: 0,
    });
    expect(printer.jobs.length).toBe(before + 2);
  });

  it('an agent back only after the job’s time is over prints nothing; the job is expired', async () => {
    await stopAgent();
    const before = printer.jobs.length;
    // made ten minutes ago (the agent was away all that time): a receipt's two minutes are over
    const tenMinutesAgo = { ...admin(), now: () => new Date(Date.now() - 600_000) };
    const stale = await submitPrintJob(tenMinutesAgo, core.bridge, {
      agentId: agentId(),
      deviceKey: 'receipt-1',
      document: {
        kind: 'document',
        title: 'checkout-receipt',
        blocks: [{ type: 'text', text: '遅すぎる票' }],
      },
    });
    expect(stale).toMatchObject({ state: 'queued', reason: WAITING_REASON });
    expect((await job(stale.id)).payload).not.toBeNull();

    await startAgent();
    await vi.waitFor(
      async () => expect(await job(stale.id)).toMatchObject({ state: 'expired', reason: NOT_BACK_REASON }),
      WAIT,
    );
    expect((await job(stale.id)).payload).toBeNull();
    // sending again finds nothing to send; the list shows it expired; nothing was printed
    expect(await resendWaitingJobs(core.database.db, core.bridge, core.tenantId, agentId())).toEqual({
      sent: 0,
    });
    expect((await listPrintJobs(admin(), { agentId: agentId() })).find((j) => j.id === stale.id)?.state).toBe(
      'expired',
    );
    expect(printer.jobs.length).toBe(before);
  });

  it('the sweeps settle waiting jobs whose time ran out while their agent stayed away', async () => {
    await stopAgent();
    try {
      const submit = (line: string) =>
        submitPrintJob(admin(), core.bridge, {
          agentId: agentId(),
          deviceKey: 'receipt-1',
          document: text(line),
        });
      const [a, b] = [await submit('来ない端末 1'), await submit('来ない端末 2')];
      for (const j of [a, b]) expect(j).toMatchObject({ state: 'queued', reason: WAITING_REASON });
      // ten minutes on: the bridge's sweep over every tenant, then the list's own
      const later = new Date(Date.now() + 600_000);
      expect(await expireWaitingJobs(core.database.db, later)).toBeGreaterThanOrEqual(2);
      const listed = await listPrintJobs({ ...admin(), now: () => later }, { agentId: agentId() });
      for (const j of [a, b]) {
        expect(listed.find((l) => l.id === j.id)).toMatchObject({
          state: 'expired',
          reason: NOT_BACK_REASON,
        });
        expect((await job(j.id)).payload).toBeNull();
      }
    } finally {
      await startAgent();
    }
  });

  it('triggers at once (three resends of one waiting job) send it once: one receipt, the job done', async () => {
    // the request never left the core (the wait ran out before it went): the job is queued, agent online
    const lost: AgentPort = { request: () => Promise.reject(new AppError('agentTimeout')) };
    const queued = await submitPrintJob(admin(), lost, {
      agentId: agentId(),
      deviceKey: 'receipt-1',
      document: text('一度だけの票'),
    });
    expect(queued).toMatchObject({ state: 'queued', reason: null });
    const before = printer.jobs.length;
    const sent = await Promise.all(
      [1, 2, 3].map(() => resendWaitingJobs(core.database.db, core.bridge, core.tenantId, agentId())),
    );
    expect(sent.reduce((a, b) => a + b.sent, 0)).toBe(1);
    await vi.waitFor(async () => expect((await job(queued.id)).state).toBe('done'), WAIT);
    expect(printer.jobs.length).toBe(before + 1);
    expect(has(printer.jobs[before]!, '一度だけの票')).toBe(true);
  });

  it('a job the agent printed but whose answer was lost is sent again with its id: not printed twice', async () => {
    await stopAgent();
    // the agent printed the job, then its link went before the answer and the job's events reached
    // the core: its journal says printed, the core's record still says queued with the content
    const id = randomUUID();
    const at = new Date().toISOString();
    const notAfter = new Date(Date.now() + 60_000);
    const journal = await PrintJournal.open(dataDir);
    await journal.append({
      jobId: id,
      state: 'started',
      at,
      deviceId: 'receipt-1',
      notAfter: notAfter.toISOString(),
    });
    await journal.append({
      jobId: id,
      state: 'printed',
      at,
      result: { jobId: id, printed: true, printedAt: at },
    });
    await journal.close();
    await core.database.db.insert(printJobs).values({
      id,
      tenantId: core.tenantId,
      agentId: agentId(),
      deviceKey: 'receipt-1',
      document: 'text',
      notAfter,
      payload: text('答えの消えた票'),
    });
    const before = printer.jobs.length;
    // two online transitions in a row, and a resend besides: the agent answers from its journal
    await startAgent();
    await stopAgent();
    await startAgent();
    await resendWaitingJobs(core.database.db, core.bridge, core.tenantId, agentId());
    await vi.waitFor(async () => expect(await job(id)).toMatchObject({ state: 'done', payload: null }), WAIT);
    expect(printer.jobs.length).toBe(before);
  });

  it('resends racing the first send of a job (its answer late) print it once', async () => {
    const lost: AgentPort = { request: () => Promise.reject(new AppError('agentTimeout')) };
    const queued = await submitPrintJob(admin(), lost, {
      agentId: agentId(),
      deviceKey: 'receipt-1',
      document: text('競争する票'),
    });
    const before = printer.jobs.length;
    // the first send reaches the agent now, while two resends of the same job go out
    const first = core.request(
      agentId(),
      printRequest('receipt-1', text('競争する票'), { jobId: queued.id, notAfter: queued.notAfter }),
    );
    const resends = [1, 2].map(() =>
      resendWaitingJobs(core.database.db, core.bridge, core.tenantId, agentId()),
    );
    expect(await first).toMatchObject({ ok: true, result: { printed: true } });
    await Promise.all(resends);
    await vi.waitFor(async () => expect((await job(queued.id)).state).toBe('done'), WAIT);
    expect(printer.jobs.length).toBe(before + 1);
    expect(has(printer.jobs[before]!, '競争する票')).toBe(true);
  });

  it('a job asked for while the waiting ones are being sent goes after them', async () => {
    const held = await capturePrinter();
    const heldConfig = deviceConfig;
    deviceConfig = [
      { ...(heldConfig[0] as object), transport: { type: 'tcp9100', host: '127.0.0.1', port: held.port } },
    ];
    const submit = (line: string) =>
      submitPrintJob(admin(), core.bridge, {
        agentId: agentId(),
        deviceKey: 'receipt-1',
        document: text(line),
      });
    try {
      await stopAgent();
      const first = await submit('順番 一');
      const second = await submit('順番 二');
      held.hold();
      await startAgent();
      // the first is at the printer, which holds it: the resend waits for its answer, the second waits
      await vi.waitFor(() => expect(held.jobs).toHaveLength(1), WAIT);
      const third = await submit('順番 三');
      expect(third).toMatchObject({ state: 'queued', reason: WAITING_BEHIND_REASON });
      held.release();
      await vi.waitFor(async () => {
        for (const j of [first, second, third]) expect((await job(j.id)).state).toBe('done');
      }, WAIT);
      expect(held.jobs).toHaveLength(3);
      ['順番 一', '順番 二', '順番 三'].forEach((line, i) => {
        expect(has(held.jobs[i]!, line), line).toBe(true);
      });
    } finally {
      held.release();
      await stopAgent();
      deviceConfig = heldConfig;
      await startAgent();
      await held.close();
    }
  });

  it('the link drops while a resent receipt prints and comes back at once: one receipt, the job done', async () => {
    const held = await capturePrinter();
    const proxy = await brokerProxy(core.url);
    const heldConfig = deviceConfig;
    deviceConfig = [
      { ...(heldConfig[0] as object), transport: { type: 'tcp9100', host: '127.0.0.1', port: held.port } },
    ];
    try {
      await stopAgent();
      const waiting = await submitPrintJob(admin(), core.bridge, {
        agentId: agentId(),
        deviceKey: 'receipt-1',
        document: text('切断と再接続'),
      });
      expect(waiting.state).toBe('queued');
      held.hold();
      await startAgent(proxy.url);
      // the bytes are at the printer, which holds the connection: the job is in flight at the agent
      await vi.waitFor(() => expect(held.jobs).toHaveLength(1), WAIT);
      const links = proxy.connections();
      proxy.cut(); // a second `online` follows when the agent reconnects
      await vi.waitFor(async () => {
        expect(proxy.connections()).toBeGreaterThan(links);
        expect((await core.agentRow(agentId()))?.status).toBe('online');
      }, WAIT);
      await resendWaitingJobs(core.database.db, core.bridge, core.tenantId, agentId());
      held.release();
      await vi.waitFor(async () => expect((await job(waiting.id)).state).toBe('done'), WAIT);
      expect(held.jobs).toHaveLength(1);
      expect(has(held.jobs[0]!, '切断と再接続')).toBe(true);
    } finally {
      held.release();
      await agent?.stop();
      agent = undefined;
      deviceConfig = heldConfig;
      await proxy.close();
      await held.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import {
  type AgentResponse,
  callNumberLines,
  checkoutReceipt,
  overdueLetter,
  type Permission,
  PrintJobDocument,
  PrintJobEvent,
  type PrintJobState,
  postcardList,
  readingRecordSticker,
  type SheetDocument,
  spineLabels,
  tokyoDay,
} from '@bunko/protocols';
import {
  and,
  asc,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  notInArray,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { AgentPort } from '../../broker/agent-bridge.ts';
import type { Db } from '../../db/client.ts';
import {
  agents,
  bibRecords,
  devices,
  items,
  loans,
  overdueNotices,
  patronCards,
  patrons,
  printJobs,
  tenants,
} from '../../db/schema/index.ts';
import { listOverdueNotices } from '../circulation/overdues.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

/**
 * How long a job may wait before printing it would do more harm than good (a receipt for a patron
 * who left, a slip for a book already shelved); the agent refuses it as `expired` after that.
 */
export const PRINT_TTL_MS: Record<string, number> = {
  'checkout-receipt': 2 * 60_000,
  'reading-record': 5 * 60_000,
  'hold-slip': 30 * 60_000,
  'routing-slip': 30 * 60_000,
  'spine-labels': 60 * 60_000,
  'pull-list': 4 * 3600_000,
  'overdue-letter': 24 * 3600_000,
  'postcard-list': 24 * 3600_000,
};
const DEFAULT_TTL_MS = 10 * 60_000;
/** how long the core waits for the agent's answer before the job is left to its events */
const ANSWER_TIMEOUT_MS = 10_000;
/**
 * How long one sender holds a job it claimed for sending: the wait for the answer and a margin. A core
 * process that dies while sending lets go of the job when this runs out.
 */
export const SEND_LEASE_MS = ANSWER_TIMEOUT_MS + 20_000;

const END_STATES: PrintJobState[] = ['done', 'failed', 'expired'];
const PRINTER_KINDS = ['receiptPrinter', 'labelPrinter', 'colorPrinter'];

export const ttlFor = (title: string) => PRINT_TTL_MS[title] ?? DEFAULT_TTL_MS;
const titleOf = (doc: PrintJobDocument) => (doc.kind === 'text' ? 'text' : doc.title);

export type PrintTarget = { agentId: string; deviceKey: string };
export type PrintJobView = {
  id: string;
  agentId: string;
  deviceKey: string;
  document: string;
  state: PrintJobState;
  reason: string | null;
  createdAt: string;
  notAfter: string;
  updatedAt: string;
};

const view = (r: typeof printJobs.$inferSelect): PrintJobView => ({
  id: r.id,
  agentId: r.agentId,
  deviceKey: r.deviceKey,
  document: r.document,
  state: r.state,
  reason: r.reason,
  createdAt: r.createdAt.toISOString(),
  notAfter: r.notAfter.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/**
 * Move a job to `state` unless it has already ended (events and answers may arrive in any order). A job
 * that leaves `queued` is no longer sent again: its content is erased and any claim on it let go.
 */
async function moveJob(db: Db, tenantId: string, jobId: string, state: PrintJobState, reason: string | null) {
  const [row] = await db
    .update(printJobs)
    .set({
      state,
      reason,
      updatedAt: new Date(),
      ...(state === 'queued' ? {} : { payload: null, sendingUntil: null }),
    })
    .where(
      and(eq(printJobs.tenantId, tenantId), eq(printJobs.id, jobId), notInArray(printJobs.state, END_STATES)),
    )
    .returning();
  return row;
}

/** Why a job waits for its agent (it is sent when the agent is online again, until its notAfter). */
export const WAITING_REASON =
  'waitingForAgent: the agent is not connected; the job is sent when it is back online, until the job expires';
/** Why a job waits when the core could not hand the request to the broker. */
export const WAITING_NO_LINK_REASON =
  'waitingForAgent: the core could not reach the broker; the job is sent when the agent is seen online, until the job expires';
/** Why a job that waited for its agent reads as expired. */
export const NOT_BACK_REASON = 'agentNotBack: the agent was not back online before the job expired';

/** Why a job for an online agent waits: jobs that waited for the agent before it go first. */
export const WAITING_BEHIND_REASON =
  'waitingInLine: sent after the jobs that were waiting for this agent before it';

type JobRow = typeof printJobs.$inferSelect;

/** The agent's jobs waiting to be sent (`queued` with their content, not yet expired). */
const waitingOf = (tenantId: string, agentId: string, now: Date) =>
  and(
    eq(printJobs.tenantId, tenantId),
    eq(printJobs.agentId, agentId),
    eq(printJobs.state, 'queued'),
    isNotNull(printJobs.payload),
    gt(printJobs.notAfter, now),
  );

/** Whether jobs made before `jobId` still wait to be sent to the agent. */
async function hasOlderWaiting(db: Db, tenantId: string, agentId: string, jobId: string) {
  const mine = db
    .select({ createdAt: printJobs.createdAt })
    .from(printJobs)
    .where(and(eq(printJobs.tenantId, tenantId), eq(printJobs.id, jobId)));
  const [older] = await db
    .select({ id: printJobs.id })
    .from(printJobs)
    .where(and(waitingOf(tenantId, agentId, new Date()), lt(printJobs.createdAt, mine)))
    .limit(1);
  return Boolean(older);
}

/**
 * Claim a waiting job for sending: only one sender (a submit, or a resend after the agent came back,
 * in this or another core process) gets it until SEND_LEASE_MS runs out or the sender lets go. Only a
 * `queued` job with its content, not yet expired at `now`, of an agent the core sees online.
 */
async function claimJob(db: Db, tenantId: string, jobId: string, now: Date): Promise<JobRow | undefined> {
  const at = new Date();
  const online = db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.tenantId, tenantId), eq(agents.status, 'online')));
  const [row] = await db
    .update(printJobs)
    .set({ sendingUntil: new Date(at.getTime() + SEND_LEASE_MS), reason: null, updatedAt: at })
    .where(
      and(
        eq(printJobs.tenantId, tenantId),
        eq(printJobs.id, jobId),
        eq(printJobs.state, 'queued'),
        isNotNull(printJobs.payload),
        gt(printJobs.notAfter, now),
        or(isNull(printJobs.sendingUntil), lt(printJobs.sendingUntil, at)),
        inArray(printJobs.agentId, online),
      ),
    )
    .returning();
  return row;
}

/** Let go of a claim (the job is still `queued`), with why it waits when given. */
async function release(db: Db, claimed: JobRow, reason?: string) {
  await db
    .update(printJobs)
    .set({ sendingUntil: null, updatedAt: new Date(), ...(reason ? { reason } : {}) })
    .where(
      and(
        eq(printJobs.tenantId, claimed.tenantId),
        eq(printJobs.id, claimed.id),
        eq(printJobs.state, 'queued'),
        claimed.sendingUntil ? eq(printJobs.sendingUntil, claimed.sendingUntil) : undefined,
      ),
    );
}

/**
 * Send a claimed job to its agent with its own id (the agent prints an id at most once, and answers a
 * repeat from its journal) and move it by the answer. Not delivered (the core's broker link is down):
 * it waits again. No answer in time: it stays `queued`, left to the agent's events (it may still
 * print), and is sent again when the agent next comes online.
 */
async function sendClaimed(
  db: Db,
  port: AgentPort,
  claimed: JobRow,
): Promise<{ row?: JobRow; outcome: 'answered' | 'noAnswer' | 'undelivered' }> {
  try {
    const res = await port.request(
      claimed.tenantId,
      claimed.agentId,
      {
        transaction: randomUUID(),
        action: 'print',
        jobId: claimed.id,
        deviceId: claimed.deviceKey,
        notAfter: claimed.notAfter.toISOString(),
        document: claimed.payload as PrintJobDocument,
      },
      ANSWER_TIMEOUT_MS,
    );
    const next = outcomeState(res);
    const row = await moveJob(db, claimed.tenantId, claimed.id, next.state, next.reason);
    return { ...(row ? { row } : {}), outcome: 'answered' };
  } catch (err) {
    if (err instanceof AppError && err.code === 'agentOffline') {
      await release(db, claimed, WAITING_NO_LINK_REASON);
      return { outcome: 'undelivered' };
    }
    await release(db, claimed);
    if (err instanceof AppError && err.code === 'agentTimeout') return { outcome: 'noAnswer' };
    throw err;
  }
}

/** The agent's answer to a print request as the job's state. */
export function outcomeState(res: AgentResponse): { state: PrintJobState; reason: string | null } {
  if (res.ok) {
    // a page printer may still hold the job in its queue when the agent stops following it
    const ipp = res.result?.ippJobState;
    if (typeof ipp === 'string' && ipp !== 'completed')
      return { state: 'printing', reason: `printer: ${ipp}` };
    return { state: 'done', reason: null };
  }
  const code = res.error?.code ?? 'printFailed';
  if (code === 'expired') return { state: 'expired', reason: res.error?.message ?? null };
  return { state: 'failed', reason: `${code}: ${res.error?.message ?? ''}`.slice(0, 500) };
}

/**
 * Send a document to a printer of one of the tenant's agents. The job is recorded `queued` (with the
 * operation log) before it goes out; the agent's answer, or its job events when the answer is late,
 * move it on. When the agent is offline (or the request cannot be handed to the broker) the job stays
 * `queued` with a `waitingForAgent` reason and its content, and `resendWaitingJobs` sends it when the
 * agent is back online — only until its notAfter; after that it is `expired` and never prints. With no
 * broker link at all (`port` undefined: nothing could ever send it) the job fails at once. Answers with
 * the job as it stands when the agent answered, the wait ran out, or it was left waiting.
 */
export async function submitPrintJob(
  ctx: Ctx,
  port: AgentPort | undefined,
  input: PrintTarget & { document: unknown },
  permission: Permission = 'devices.operate',
): Promise<PrintJobView> {
  requirePermission(ctx, permission);
  const parsed = PrintJobDocument.safeParse(input.document);
  if (!parsed.success)
    throw new AppError(
      'validation',
      'the document is not valid',
      parsed.error.issues.map((i) => ({ path: `document.${i.path.join('.')}`, message: i.message })),
    );
  const [device] = await ctx.db
    .select({ kind: devices.kind })
    .from(devices)
    .innerJoin(agents, and(eq(agents.id, devices.agentId), eq(agents.tenantId, devices.tenantId)))
    .where(
      and(
        eq(devices.tenantId, ctx.tenantId),
        eq(devices.agentId, input.agentId),
        eq(devices.deviceKey, input.deviceKey),
      ),
    );
  if (!device || !PRINTER_KINDS.includes(device.kind))
    throw new AppError('notFound', `no printer "${input.deviceKey}" on that agent`);

  const document = titleOf(parsed.data);
  const id = randomUUID();
  const notAfter = new Date(ctx.now().getTime() + ttlFor(document));
  await inTx(ctx, async (tx) => {
    await tx.insert(printJobs).values({
      id,
      tenantId: ctx.tenantId,
      agentId: input.agentId,
      deviceKey: input.deviceKey,
      document,
      createdBy: ctx.staff?.id ?? null,
      notAfter,
      payload: input.document,
    });
    await recordOperation(tx, ctx, {
      action: 'print.submit',
      targetType: 'printJob',
      targetId: id,
      details: { agentId: input.agentId, deviceKey: input.deviceKey, document },
    });
  });

  let moved: JobRow | undefined;
  if (!port) {
    moved = await moveJob(ctx.db, ctx.tenantId, id, 'failed', 'agentOffline: the core has no broker link');
  } else {
    // jobs that waited for the agent go first: with some still waiting, this one goes after them
    const behind = port.sendWaiting ? await hasOlderWaiting(ctx.db, ctx.tenantId, input.agentId, id) : false;
    const claimed = behind ? undefined : await claimJob(ctx.db, ctx.tenantId, id, ctx.now());
    if (claimed) moved = (await sendClaimed(ctx.db, port, claimed)).row;
    else {
      // the agent is not online (or earlier jobs go first): the job waits — unless a resend (the agent
      // just came back) claimed it first, or it has moved on already
      const [agent] = await ctx.db
        .select({ status: agents.status })
        .from(agents)
        .where(and(eq(agents.tenantId, ctx.tenantId), eq(agents.id, input.agentId)));
      const at = new Date();
      await ctx.db
        .update(printJobs)
        .set({ reason: agent?.status === 'online' ? WAITING_BEHIND_REASON : WAITING_REASON, updatedAt: at })
        .where(
          and(
            eq(printJobs.tenantId, ctx.tenantId),
            eq(printJobs.id, id),
            eq(printJobs.state, 'queued'),
            or(isNull(printJobs.sendingUntil), lt(printJobs.sendingUntil, at)),
          ),
        );
      if (behind) port.sendWaiting?.(ctx.tenantId, input.agentId);
    }
  }
  const [row] = moved
    ? [moved]
    : await ctx.db
        .select()
        .from(printJobs)
        .where(and(eq(printJobs.tenantId, ctx.tenantId), eq(printJobs.id, id)));
  return view(row!);
}

/**
 * The agent is online (again): send its waiting jobs — `queued` with their content, not yet past their
 * notAfter — one at a time in the order they were made, each with its own id. Each is claimed first
 * (`claimJob`), so two triggers at once (two `online` messages, two core processes, a submit racing
 * the resend) never send a job twice at the same time; a job sent again after a lost answer is
 * answered from the agent's journal and not printed again. A run stops at a job it cannot claim
 * while the agent is not online, so that no later job goes before it. A run that meets a job another sender is
 * sending stops there (that sender goes on in order) and says when to try again (`retryAt`: when that
 * sender's wait for an answer is over, or its claim runs out) — the other sender's request may have been
 * lost while the agent went away and came back. Jobs already past their notAfter are settled as
 * `expired` first. System actions, not operation-logged, like the state changes the agent's messages
 * make. Returns how many jobs were sent.
 */
export async function resendWaitingJobs(
  db: Db,
  port: AgentPort,
  tenantId: string,
  agentId: string,
  now: () => Date = () => new Date(),
): Promise<{ sent: number; retryAt?: Date }> {
  await expireUnansweredJobs(db, tenantId, now(), agentId);
  let sent = 0;
  // the oldest waiting job not yet tried in this run, again after each (a job made meanwhile joins)
  const tried = new Set<string>();
  for (;;) {
    const waiting = await db
      .select({ id: printJobs.id })
      .from(printJobs)
      .where(waitingOf(tenantId, agentId, now()))
      .orderBy(asc(printJobs.createdAt), asc(printJobs.id));
    const next = waiting.find((w) => !tried.has(w.id));
    if (!next) break;
    const { id } = next;
    tried.add(id);
    const claimed = await claimJob(db, tenantId, id, now());
    if (!claimed) {
      const [row] = await db
        .select({ id: printJobs.id, sendingUntil: printJobs.sendingUntil })
        .from(printJobs)
        .where(and(eq(printJobs.id, id), waitingOf(tenantId, agentId, now())));
      // it has moved on (answered, reported, expired) meanwhile: the next one
      if (!row) continue;
      // another sender has it: it goes on in order; try again when its wait for the answer is over
      const until = row.sendingUntil?.getTime();
      if (until && until > Date.now()) {
        const answerDue = until - SEND_LEASE_MS + ANSWER_TIMEOUT_MS + 2000;
        return { sent, retryAt: new Date(Math.min(until, answerDue)) };
      }
      // the agent is not online (any more): nothing after it goes before it; its next `online` sends them
      break;
    }
    const { outcome } = await sendClaimed(db, port, claimed);
    if (outcome === 'undelivered') break;
    sent += 1;
  }
  return { sent };
}

/** An agent's job event (from MQTT): moves the job unless it has ended. Unknown jobs are ignored. */
export async function applyPrintJobEvent(db: Db, tenantId: string, agentId: string, body: unknown) {
  const e = PrintJobEvent.safeParse(body);
  if (!e.success) return 'invalid' as const;
  const [row] = await db
    .update(printJobs)
    // the agent has the job (in its journal): it is not sent again, and its content is erased
    .set({
      state: e.data.state,
      reason: e.data.reason ?? null,
      updatedAt: new Date(),
      payload: null,
      ...(e.data.state === 'queued' ? {} : { sendingUntil: null }),
    })
    .where(
      and(
        eq(printJobs.tenantId, tenantId),
        eq(printJobs.agentId, agentId),
        eq(printJobs.id, e.data.jobId),
        notInArray(printJobs.state, END_STATES),
      ),
    )
    .returning({ id: printJobs.id });
  return row ? ('applied' as const) : ('ignored' as const);
}

/** Why a job that never got an answer reads as expired. */
export const NO_ANSWER_REASON = 'noAnswer: the agent did not answer before the job expired';

/** Why a job begun by an agent that then went away reads as failed. */
export const AGENT_LOST_REASON =
  'agentLost: the agent went offline while printing and has not reported the job since; check the printer before printing again';

/** How long past its notAfter a begun job waits for an offline agent to come back and report it. */
export const PRINTING_GRACE_MS = 30 * 60_000;

/**
 * Jobs still `queued` past their notAfter are settled as `expired` (their content erased): the agent
 * never answered nor reported them (a lost request, an agent killed before it began, an agent that
 * was not back online in time), and it refuses a job after its notAfter, so they can no longer print. A `printing` job is the agent's to end (its events, or its
 * journal's `printInterrupted` after a restart) — unless its agent is offline and has not come back
 * within PRINTING_GRACE_MS past the notAfter: then it is settled as `failed` (it may have printed
 * in part), so that nothing stays `printing` for ever. Not operation-logged, like the other state
 * changes the agent's messages make.
 */
export async function expireUnansweredJobs(db: Db, tenantId: string, now: Date, agentId?: string) {
  const mine = and(eq(printJobs.tenantId, tenantId), agentId ? eq(printJobs.agentId, agentId) : undefined);
  const expired = await expireQueued(db, now, mine);
  const offlineAgents = db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.tenantId, tenantId), eq(agents.status, 'offline')));
  const lost = await db
    .update(printJobs)
    .set({ state: 'failed', reason: AGENT_LOST_REASON, updatedAt: now, payload: null, sendingUntil: null })
    .where(
      and(
        mine,
        eq(printJobs.state, 'printing'),
        lt(printJobs.notAfter, new Date(now.getTime() - PRINTING_GRACE_MS)),
        inArray(printJobs.agentId, offlineAgents),
      ),
    )
    .returning({ id: printJobs.id });
  return expired.length + lost.length;
}

/** `queued` jobs past their notAfter (of `where`) as `expired`, their content erased. */
async function expireQueued(db: Db, now: Date, where?: SQL) {
  return db
    .update(printJobs)
    .set({
      state: 'expired',
      reason: sql`case when ${printJobs.reason} like 'waitingForAgent:%' then ${NOT_BACK_REASON} else ${NO_ANSWER_REASON} end`,
      updatedAt: now,
      payload: null,
      sendingUntil: null,
    })
    .where(and(where, eq(printJobs.state, 'queued'), lt(printJobs.notAfter, now)))
    .returning({ id: printJobs.id });
}

/**
 * Every tenant's `queued` jobs past their notAfter as `expired` (the core's bridge runs it every
 * minute): a job that waited for an agent that never came back does not keep its content, nor read
 * `queued`, until someone lists the jobs. Returns how many.
 */
export async function expireWaitingJobs(db: Db, now: Date = new Date()): Promise<number> {
  return (await expireQueued(db, now)).length;
}

/** Recent jobs, newest first (the devices page shows them per agent); unanswered ones past their time read as expired. */
export async function listPrintJobs(ctx: Ctx, q: { agentId?: string; limit?: number }) {
  requirePermission(ctx, 'devices.read');
  await expireUnansweredJobs(ctx.db, ctx.tenantId, ctx.now(), q.agentId);
  const where = q.agentId
    ? and(eq(printJobs.tenantId, ctx.tenantId), eq(printJobs.agentId, q.agentId))
    : eq(printJobs.tenantId, ctx.tenantId);
  const rows = await ctx.db
    .select()
    .from(printJobs)
    .where(where)
    .orderBy(desc(printJobs.createdAt))
    .limit(q.limit ?? 50);
  return rows.map(view);
}

/**
 * The checkout receipt for loans just made (the counter's 貸出票): titles and due dates from the
 * loans, the card's last digits only, sent to the desk's receipt printer.
 */
export async function printCheckoutReceipt(
  ctx: Ctx,
  port: AgentPort | undefined,
  input: PrintTarget & { loanIds: string[] },
): Promise<PrintJobView> {
  requirePermission(ctx, 'circulation.checkout');
  const rows = await ctx.db
    .select({
      id: loans.id,
      patronId: loans.patronId,
      dueOn: loans.dueOn,
      title: bibRecords.title,
      itemBarcode: items.barcode,
    })
    .from(loans)
    .innerJoin(items, and(eq(items.id, loans.itemId), eq(items.tenantId, loans.tenantId)))
    .innerJoin(bibRecords, and(eq(bibRecords.id, items.bibId), eq(bibRecords.tenantId, items.tenantId)))
    .where(and(eq(loans.tenantId, ctx.tenantId), inArray(loans.id, input.loanIds), isNull(loans.returnedAt)));
  const patronIds = new Set(rows.map((r) => r.patronId));
  if (rows.length !== new Set(input.loanIds).size || patronIds.size !== 1 || rows[0]?.patronId == null)
    throw new AppError('notFound', 'every loan must be current and of one patron');
  const [card] = await ctx.db
    .select({ barcode: patronCards.barcode })
    .from(patronCards)
    .where(
      and(
        eq(patronCards.tenantId, ctx.tenantId),
        eq(patronCards.patronId, rows[0].patronId),
        eq(patronCards.status, 'active'),
      ),
    )
    .limit(1);
  const [tenant] = await ctx.db
    .select({ nameJa: tenants.nameJa })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const order = new Map(input.loanIds.map((id, i) => [id, i]));
  const document = checkoutReceipt({
    libraryNameJa: tenant?.nameJa ?? '',
    cardBarcode: card?.barcode ?? '',
    loans: rows
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!)
      .map((r) => ({ title: r.title, itemBarcode: r.itemBarcode, dueOn: r.dueOn })),
    printedAt: ctx.now(),
  });
  return submitPrintJob(ctx, port, { ...input, document }, 'circulation.checkout');
}

/**
 * 読書記録シール for a patron who asks for one at the desk: what they borrowed today (titles and
 * the day only; no name, no card), on the desk's sticker printer.
 */
export async function printReadingRecord(
  ctx: Ctx,
  port: AgentPort | undefined,
  input: PrintTarget & { patronId: string },
): Promise<PrintJobView> {
  requirePermission(ctx, 'circulation.checkout');
  const today = tokyoDay(ctx.now());
  const rows = await ctx.db
    .select({ title: bibRecords.title, loanedAt: loans.loanedAt })
    .from(loans)
    .innerJoin(items, and(eq(items.id, loans.itemId), eq(items.tenantId, loans.tenantId)))
    .innerJoin(bibRecords, and(eq(bibRecords.id, items.bibId), eq(bibRecords.tenantId, items.tenantId)))
    .where(and(eq(loans.tenantId, ctx.tenantId), eq(loans.patronId, input.patronId)))
    .orderBy(loans.loanedAt);
  const todays = rows.filter((r) => tokyoDay(r.loanedAt) === today);
  if (todays.length === 0) throw new AppError('notFound', 'nothing was borrowed today');
  const [tenant] = await ctx.db
    .select({ nameJa: tenants.nameJa })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const document = readingRecordSticker({
    libraryNameJa: tenant?.nameJa ?? '',
    items: todays.map((r) => ({ title: r.title, day: today })),
  });
  return submitPrintJob(ctx, port, { ...input, document }, 'circulation.checkout');
}

/** 背ラベル for copies (new or relabelled): each copy's call number on its lines. */
export async function printSpineLabels(
  ctx: Ctx,
  port: AgentPort | undefined,
  input: PrintTarget & { itemIds: string[] },
): Promise<PrintJobView> {
  requirePermission(ctx, 'items.write');
  const rows = await ctx.db
    .select({ id: items.id, callNumber: items.callNumber })
    .from(items)
    .where(and(eq(items.tenantId, ctx.tenantId), inArray(items.id, input.itemIds)));
  if (rows.length !== new Set(input.itemIds).size) throw new AppError('notFound', 'no such item');
  const byId = new Map(rows.map((r) => [r.id, r]));
  const document = spineLabels(
    input.itemIds.map((id) => ({ lines: callNumberLines(byId.get(id)!.callNumber) })),
  );
  return submitPrintJob(ctx, port, { ...input, document }, 'items.write');
}

/**
 * 督促はがき 宛名リスト on the office printer: the pending postcard notices of a day (default: all
 * pending) with address, name and count — never titles, as on the postcards themselves.
 */
export async function printPostcardList(
  ctx: Ctx,
  port: AgentPort | undefined,
  input: PrintTarget & { day?: string },
): Promise<PrintJobView> {
  requirePermission(ctx, 'circulation.notices');
  const notices = await listOverdueNotices(ctx, {
    channel: 'postcard',
    status: 'pending',
    ...(input.day ? { day: input.day } : {}),
  });
  if (notices.length === 0) throw new AppError('notFound', 'no pending postcard notices');
  const [tenant] = await ctx.db
    .select({ nameJa: tenants.nameJa })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const document = postcardList({
    libraryNameJa: tenant?.nameJa ?? '',
    day: input.day ?? tokyoDay(ctx.now()),
    rows: notices.map((n) => ({
      postalCode: n.postalCode ?? '',
      address: n.address ?? '',
      nameJa: n.name,
      count: n.itemCount,
    })),
  });
  return submitPrintJob(
    ctx,
    port,
    { agentId: input.agentId, deviceKey: input.deviceKey, document },
    'circulation.notices',
  );
}

/**
 * 督促状 (sealed letters, the last 督促 stage) for the pending letter notices of a day (default: all
 * pending), one letter per page, on the office printer. A letter goes in an envelope, so it names
 * the patron and the titles still on loan.
 */
export async function printOverdueLetters(
  ctx: Ctx,
  port: AgentPort | undefined,
  input: PrintTarget & { day?: string },
): Promise<PrintJobView> {
  requirePermission(ctx, 'circulation.notices');
  const notices = await ctx.db
    .select({
      loanIds: overdueNotices.loanIds,
      name: patrons.name,
      postalCode: patrons.postalCode,
      address: patrons.address,
    })
    .from(overdueNotices)
    .innerJoin(
      patrons,
      and(eq(patrons.id, overdueNotices.patronId), eq(patrons.tenantId, overdueNotices.tenantId)),
    )
    .where(
      and(
        eq(overdueNotices.tenantId, ctx.tenantId),
        eq(overdueNotices.channel, 'letter'),
        eq(overdueNotices.status, 'pending'),
        input.day ? eq(overdueNotices.noticeDay, input.day) : undefined,
      ),
    )
    .orderBy(patrons.nameReading);
  if (notices.length === 0) throw new AppError('notFound', 'no pending letter notices');
  const loanIds = notices.flatMap((n) => n.loanIds);
  const lent = loanIds.length
    ? await ctx.db
        .select({ id: loans.id, dueOn: loans.dueOn, title: bibRecords.title, itemBarcode: items.barcode })
        .from(loans)
        .innerJoin(items, and(eq(items.id, loans.itemId), eq(items.tenantId, loans.tenantId)))
        .innerJoin(bibRecords, and(eq(bibRecords.id, items.bibId), eq(bibRecords.tenantId, items.tenantId)))
        .where(and(eq(loans.tenantId, ctx.tenantId), inArray(loans.id, loanIds), isNull(loans.returnedAt)))
    : [];
  const byLoan = new Map(lent.map((l) => [l.id, l]));
  const [tenant] = await ctx.db
    .select({ nameJa: tenants.nameJa })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const issuedOn = tokyoDay(ctx.now());
  const letters = notices.map((n) =>
    overdueLetter({
      libraryNameJa: tenant?.nameJa ?? '',
      libraryAddressLines: [],
      libraryPhone: '',
      patronAddressLines: [n.postalCode ? `〒${n.postalCode}` : '', n.address ?? ''].filter(Boolean),
      patronNameJa: n.name,
      issuedOn,
      loans: n.loanIds.flatMap((id) => {
        const l = byLoan.get(id);
        return l ? [{ title: l.title, itemBarcode: l.itemBarcode, dueOn: l.dueOn }] : [];
      }),
    }),
  );
  const document: SheetDocument = {
    ...letters[0]!,
    blocks: letters.flatMap((l, i) => (i === 0 ? l.blocks : [{ type: 'pageBreak' as const }, ...l.blocks])),
  };
  return submitPrintJob(
    ctx,
    port,
    { agentId: input.agentId, deviceKey: input.deviceKey, document },
    'circulation.notices',
  );
}

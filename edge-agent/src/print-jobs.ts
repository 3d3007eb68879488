import type { AgentRequest, AgentResponse, PrintJobEvent } from '@bunko/protocols';
import type { Logger } from 'pino';
import { type Device, JobExpired } from './devices.ts';
import { PrintError } from './drivers/types.ts';
import type { PrintJournal } from './journal.ts';

export type PrintRequest = Extract<AgentRequest, { action: 'print' }>;
export type JobStateChange = Omit<PrintJobEvent, 'type' | 'at'>;
export type Outcome = Omit<AgentResponse, 'transaction'>;

/** Error codes the agent answers with (beyond the drivers' printerUnreachable/printerTimeout/printFailed). */
export type AgentErrorCode =
  | 'invalidRequest'
  | 'unknownDevice'
  | 'notAPrinter'
  | 'expired'
  | 'printInterrupted'
  | PrintError['code'];

const fail = (code: AgentErrorCode, message: string): Outcome => ({ ok: false, error: { code, message } });

/**
 * Print jobs, each at most once on paper and with one recorded outcome:
 * - a jobId already in the journal answers with the recorded outcome and prints nothing;
 * - a jobId that was started but has no outcome (the agent died mid-job) is answered
 *   `printInterrupted` and not printed again — staff reprint deliberately, with a new job;
 * - a job whose notAfter has passed is refused as `expired`;
 * - a failure before any byte reached the printer may be retried with the same jobId.
 */
export class PrintJobs {
  private readonly inFlight = new Map<string, Promise<Outcome>>();

  constructor(
    private readonly deps: {
      journal: PrintJournal;
      devices: ReadonlyMap<string, Device>;
      now: () => Date;
      logger: Logger;
      /** a device's status changed (the agent re-announces its info) */
      onStatusChange: () => void;
      /** a job's state as it moves (printing, queued at the printer, done, failed, expired) */
      onJobState?: (e: JobStateChange) => void;
    },
  ) {}

  handle(req: PrintRequest): Promise<Outcome> {
    // A QoS 1 redelivery can arrive while the first copy still prints: both get the one outcome.
    const running = this.inFlight.get(req.jobId);
    if (running) return running;
    const p = this.run(req).finally(() => this.inFlight.delete(req.jobId));
    this.inFlight.set(req.jobId, p);
    return p;
  }

  /** Resolves when every job in progress has its outcome recorded (for a clean stop). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async run(req: PrintRequest): Promise<Outcome> {
    const { journal, devices, now, logger } = this.deps;
    // A document's title says what it is (e.g. checkout-receipt) and holds no personal data.
    const doc = req.document.kind === 'document' ? req.document.title : 'text';
    const log = logger.child({ jobId: req.jobId, device: req.deviceId, doc });
    const known = journal.get(req.jobId)?.last;
    if (known?.state === 'printed') {
      log.info('repeated job: answering with the recorded outcome');
      return { ok: true, result: { ...known.result, duplicate: true } };
    }
    if (known?.state === 'failed' && !known.retryable) return { ok: false, error: known.error };
    if (known?.state === 'started') {
      const error = {
        code: 'printInterrupted',
        message: 'an earlier attempt was interrupted and may have printed; not printed again',
      };
      await journal.append({
        jobId: req.jobId,
        state: 'failed',
        at: now().toISOString(),
        error,
        retryable: false,
      });
      log.warn('job was interrupted by a restart; refusing to print it twice');
      return { ok: false, error };
    }

    const device = devices.get(req.deviceId);
    if (!device) return fail('unknownDevice', `no device "${req.deviceId}" on this agent`);
    if (!device.driver) return fail('notAPrinter', `device "${req.deviceId}" is not a printer`);
    const notAfter = Date.parse(req.notAfter);
    if (Number.isNaN(notAfter)) return fail('invalidRequest', 'notAfter is not a date-time');
    if (now().getTime() > notAfter) {
      log.info('job expired before it could print');
      this.deps.onJobState?.({ jobId: req.jobId, deviceId: req.deviceId, state: 'expired' });
      return fail('expired', `the job expired at ${new Date(notAfter).toISOString()}`);
    }

    await journal.append({
      jobId: req.jobId,
      state: 'started',
      at: now().toISOString(),
      deviceId: req.deviceId,
      notAfter: new Date(notAfter).toISOString(),
    });
    const tell = (state: JobStateChange['state'], extra: { reason?: string } = {}) =>
      this.deps.onJobState?.({ jobId: req.jobId, deviceId: req.deviceId, state, ...extra });
    tell('printing');
    try {
      const printed = await device.print(
        {
          jobId: req.jobId,
          document: req.document,
          onProgress: (p) => tell(p.state, p.reason ? { reason: p.reason } : {}),
        },
        new Date(notAfter),
      );
      const result = {
        jobId: req.jobId,
        printed: true,
        printedAt: now().toISOString(),
        bytes: printed.bytes,
        ...(printed.printer ?? {}),
      };
      await journal.append({ jobId: req.jobId, state: 'printed', at: result.printedAt, result });
      if (device.driver.status) void device.refreshStatus();
      else if (device.setStatus({ status: 'ok' })) this.deps.onStatusChange();
      log.info({ bytes: printed.bytes }, 'printed');
      tell('done');
      return { ok: true, result: { ...result, duplicate: false } };
    } catch (err) {
      if (err instanceof JobExpired) {
        const error = { code: 'expired', message: err.message };
        await journal.append({
          jobId: req.jobId,
          state: 'failed',
          at: now().toISOString(),
          error,
          retryable: false,
        });
        log.info('job expired while it waited for the printer');
        tell('expired');
        return { ok: false, error };
      }
      const e =
        err instanceof PrintError
          ? err
          : new PrintError('printFailed', (err as Error).message ?? String(err), false);
      const error = { code: e.code, message: e.message };
      await journal.append({
        jobId: req.jobId,
        state: 'failed',
        at: now().toISOString(),
        error,
        retryable: e.retryable,
      });
      if (e.code === 'printerNotReady') void device.refreshStatus();
      else if (device.setStatus({ status: 'error', detail: e.message.slice(0, 200) }))
        this.deps.onStatusChange();
      log.warn({ code: e.code, retryable: e.retryable, err: e.message }, 'print failed');
      tell('failed', { reason: `${e.code}: ${e.message}`.slice(0, 300) });
      return { ok: false, error };
    }
  }
}

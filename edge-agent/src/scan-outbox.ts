import { ScanEvent } from '@bunko/protocols';
import type { Logger } from 'pino';
import type { ScanRead } from './drivers/scanner-types.ts';
import type { ScanSequence } from './scan-sequence.ts';

/**
 * A scan the core has not acknowledged is this old at most when it is sent again after a broken
 * link; older ones are dropped. A barcode arriving minutes late at a counter screen would be lent
 * to whoever is at the desk by then — staff scan again instead.
 */
export const SCAN_MAX_AGE_MS = 30_000;

type Pending = { event: ScanEvent; sending: boolean };

/**
 * Scans on their way to the core, at least once: each is kept until the broker acknowledges it
 * (QoS 1) and sent again after a reconnect. A copy may so arrive twice; its `seq` lets the core
 * drop the second.
 */
export class ScanOutbox {
  private pending: Pending[] = [];

  constructor(
    private readonly deps: {
      sequence: ScanSequence;
      now: () => Date;
      log: Logger;
      /** publish on the event topic; undefined when there is no link right now */
      publish: (payload: string) => Promise<unknown> | undefined;
      maxAgeMs?: number;
    },
  ) {}

  add(deviceId: string, read: ScanRead): void {
    const parsed = ScanEvent.safeParse({
      type: 'scan',
      deviceId,
      data: read.data,
      ...(read.symbology ? { symbology: read.symbology } : {}),
      at: this.deps.now().toISOString(),
      seq: this.deps.sequence.next(),
    });
    if (!parsed.success) {
      // the fields only: the data may be a patron's card number
      const fields = parsed.error.issues.map((i) => i.path.join('.'));
      this.deps.log.warn({ deviceId, fields, length: read.data.length }, 'scan not sendable; dropped');
      return;
    }
    this.pending.push({ event: parsed.data, sending: false });
    this.flush();
  }

  /** After a reconnect: whatever was in flight may be lost, send it again. */
  resend(): void {
    for (const p of this.pending) p.sending = false;
    this.flush();
  }

  get size(): number {
    return this.pending.length;
  }

  flush(): void {
    const oldest = this.deps.now().getTime() - (this.deps.maxAgeMs ?? SCAN_MAX_AGE_MS);
    const before = this.pending.length;
    this.pending = this.pending.filter((p) => Date.parse(p.event.at) >= oldest);
    if (this.pending.length < before)
      this.deps.log.warn({ dropped: before - this.pending.length }, 'scans too old to send; dropped');
    for (const p of this.pending) {
      if (p.sending) continue;
      const sent = this.deps.publish(JSON.stringify(p.event));
      if (!sent) return; // no link: everything waits for the reconnect
      p.sending = true;
      sent.then(
        () => {
          this.pending = this.pending.filter((q) => q !== p);
        },
        (err: Error) => {
          p.sending = false;
          this.deps.log.warn({ seq: p.event.seq, err: err.message }, 'scan publish failed; will resend');
        },
      );
    }
  }
}

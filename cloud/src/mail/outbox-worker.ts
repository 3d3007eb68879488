import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { mailOutbox } from '../db/schema/index.ts';
import type { Mailer } from './mailer.ts';

/** After this many failed attempts a mail is marked failed (and left for staff to see). */
export const MAX_MAIL_ATTEMPTS = 10;
/** A claimed mail whose sender vanished (crash) is tried again after this long. */
const LEASE_MS = 5 * 60_000;

const backoffMs = (attempts: number) => Math.min(2 ** attempts * 60_000, 6 * 3600_000);

/** The SMTP reply code or the error code, never the message (it can echo the address). */
function failureCode(err: unknown): string {
  const e = err as { responseCode?: number; code?: string };
  return e?.responseCode ? `smtp ${e.responseCode}` : (e?.code ?? 'error');
}

/**
 * Send what is due in the outbox. Each mail is first leased (next attempt pushed out, attempt
 * counted) in its own statement, then sent, then marked sent: a crash between sending and marking
 * sends that mail again later (at least once), but no mail is ever dropped.
 */
export async function deliverDueMail(db: Db, mailer: Mailer, logger: Logger, now: Date, batch = 20) {
  const due = await db
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.status, 'pending'), lte(mailOutbox.nextAttemptAt, now)))
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(batch);
  let sent = 0;
  let failed = 0;
  for (const { id } of due) {
    const [mail] = await db
      .update(mailOutbox)
      .set({
        attempts: sql`${mailOutbox.attempts} + 1`,
        nextAttemptAt: new Date(now.getTime() + LEASE_MS),
      })
      .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'pending'), lte(mailOutbox.nextAttemptAt, now)))
      .returning();
    if (!mail) continue; // another worker took it
    try {
      await mailer.send({ to: mail.toAddress, subject: mail.subject, text: mail.body });
      await db
        .update(mailOutbox)
        .set({ status: 'sent', sentAt: new Date(), lastError: null })
        .where(eq(mailOutbox.id, id));
      sent++;
    } catch (err) {
      failed++;
      const giveUp = mail.attempts >= MAX_MAIL_ATTEMPTS;
      await db
        .update(mailOutbox)
        .set({
          status: giveUp ? 'failed' : 'pending',
          lastError: failureCode(err),
          nextAttemptAt: new Date(now.getTime() + backoffMs(mail.attempts)),
        })
        .where(eq(mailOutbox.id, id));
      // ids and codes only: the address and the text stay in the database
      logger.warn(
        { mailId: id, kind: mail.kind, attempts: mail.attempts, error: failureCode(err) },
        'mail not sent',
      );
    }
  }
  return { sent, failed };
}

/** Poll the outbox; `kick()` sends at once (after a commit that queued a mail). */
export function startOutboxWorker(db: Db, mailer: Mailer, logger: Logger, everyMs = 30_000) {
  let running: Promise<unknown> | null = null;
  let again = false;
  const tick = () => {
    if (running) {
      again = true;
      return;
    }
    running = deliverDueMail(db, mailer, logger, new Date())
      .catch((err) => logger.error({ error: failureCode(err) }, 'outbox tick failed'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          tick();
        }
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return {
    kick: tick,
    async stop() {
      clearInterval(timer);
      await running;
      mailer.close?.();
    },
  };
}

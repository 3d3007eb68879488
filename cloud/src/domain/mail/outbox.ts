import type { DbOrTx } from '../../db/client.ts';
import { mailOutbox } from '../../db/schema/index.ts';

export type OutgoingMail = {
  tenantId: string;
  patronId: string | null;
  /** what it is for (passwordReset, newArrivals, …): for the outbox's own statistics */
  kind: string;
  to: string;
  subject: string;
  body: string;
  /** when it was queued (the verb's clock): due from then */
  at: Date;
};

/**
 * Put a mail in the outbox inside the caller's transaction: it exists exactly when the action that
 * caused it committed, and the mail worker sends it (with retries) whatever happens after.
 */
export async function enqueueMail(tx: DbOrTx, mail: OutgoingMail): Promise<string> {
  const [row] = await tx
    .insert(mailOutbox)
    .values({
      tenantId: mail.tenantId,
      patronId: mail.patronId,
      kind: mail.kind,
      toAddress: mail.to,
      subject: mail.subject,
      body: mail.body,
      createdAt: mail.at,
      nextAttemptAt: mail.at,
    })
    .returning({ id: mailOutbox.id });
  return row!.id;
}

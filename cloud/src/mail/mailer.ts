import nodemailer from 'nodemailer';

export type Mail = { to: string; subject: string; text: string };

/** Where mail goes out: SMTP in production; anything with `send` in a test or a dry run. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
  close?(): void;
}

/**
 * SMTP through nodemailer: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`.
 * Japanese text goes out as UTF-8 (nodemailer encodes the subject as RFC 2047 words).
 */
export function smtpMailer(opts: { url: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(opts.url);
  return {
    async send(mail) {
      await transport.sendMail({ from: opts.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
  };
}

import type { Ctx } from '../context.ts';
import { runNewArrivalAlerts } from '../my-library/new-arrival-alerts.ts';
import { endLapsedSuspensions } from '../patrons/patron-status.ts';
import { markExpiredRegistrations, sendExpiryReminders } from '../patrons/registration-expiry.ts';

/**
 * The patron side of the library's day: suspensions that ran out end, registrations past their
 * 有効期限 are marked expired, reminders go out before expiry, new-arrival alerts are mailed.
 */
export async function dailyPatronWork(ctx: Ctx) {
  const suspensionsEnded = await endLapsedSuspensions(ctx);
  const registrationsExpired = await markExpiredRegistrations(ctx);
  const expiryReminders = await sendExpiryReminders(ctx);
  const alerts = await runNewArrivalAlerts(ctx);
  return { suspensionsEnded, registrationsExpired, expiryReminders, alertMails: alerts.mails };
}

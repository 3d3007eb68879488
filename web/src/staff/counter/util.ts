import { eraDate, westernDate } from '@bunko/protocols/documents';
import { lang } from '../../i18n/index.ts';

/**
 * A fresh idempotency key per checkout. crypto.randomUUID exists only in secure contexts (HTTPS or
 * localhost); a counter PC reaching the core over plain HTTP on the LAN still gets a v4 UUID.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * What a keyboard-wedge scanner typed, cleaned as the core does first: full-width digits from a
 * Japanese IME become ASCII, surrounding blanks go. (Start/stop characters and check digits are the
 * core's business: it knows the library's NW-7 settings.)
 */
export const cleanScan = (raw: string) => raw.normalize('NFKC').replace(/^\s+|\s+$/gu, '');

const tokyoDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** Today at the library (Japan), as YYYY-MM-DD, whatever the workstation's clock zone. */
export const todayInTokyo = () => tokyoDay.format(new Date());

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const enDay = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** 2026-12-09 → 2026年12月9日(水) / Wed 9 Dec 2026 */
export const dayText = (day: string) =>
  lang() === 'en' ? enDay.format(new Date(`${day}T00:00:00Z`)) : westernDate(day);

/** 2026-12-09 → 令和8年12月9日, the form on receipts and official papers. */
export const eraText = (day: string) => {
  try {
    return eraDate(day, false);
  } catch {
    return '';
  }
};

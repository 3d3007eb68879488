import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';

/**
 * Patron passwords are argon2id (the staff profile). One legacy scheme is accepted from a migrated
 * system: `sha256$<salt>$<hex>`, where hex is SHA-256 of salt followed by the password (UTF-8),
 * lower-case. A legacy hash is verified once and replaced by argon2id on that successful login.
 */
const LEGACY = /^sha256\$([^$]{1,128})\$([0-9a-f]{64})$/;

export const isLegacyHash = (stored: string) => LEGACY.test(stored);

/** Build a legacy hash (tests and migration tooling use this to stage imported accounts). */
export function legacySha256Hash(password: string, salt: string): string {
  return `sha256$${salt}$${createHash('sha256')
    .update(salt + password, 'utf8')
    .digest('hex')}`;
}

export type PatronPasswordCheck = { ok: boolean; needsRehash: boolean };

export async function verifyPatronPassword(
  stored: string | null | undefined,
  password: string,
): Promise<PatronPasswordCheck> {
  const legacy = stored ? LEGACY.exec(stored) : null;
  if (!legacy) return { ok: await verifyPassword(stored, password), needsRehash: false };
  const expected = Buffer.from(legacy[2]!, 'hex');
  const given = createHash('sha256')
    .update(legacy[1]! + password, 'utf8')
    .digest();
  const ok = expected.length === given.length && timingSafeEqual(expected, given);
  return { ok, needsRehash: ok };
}

export { hashPassword };

/** Unambiguous characters only (no 0/O, 1/l/I), so a password read out at the desk is typed right. */
const TEMP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';

/** A one-time password for the desk to hand over; random, never derived from the birthday. */
export function temporaryPassword(length = 10): string {
  let out = '';
  for (let i = 0; i < length; i++) out += TEMP_ALPHABET[randomInt(TEMP_ALPHABET.length)];
  return out;
}

export const MIN_PASSWORD_LENGTH = 8;

/**
 * Why a new password is refused, or null when it may be used: at least 8 characters, not the
 * card number, and not the birth date's digits (YYYYMMDD, YYMMDD or MMDD, however punctuated).
 */
export function passwordProblem(
  password: string,
  about: { cardNumbers: readonly string[]; birthDate: string | null },
): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `at least ${MIN_PASSWORD_LENGTH} characters`;
  const digits = password.replace(/\D/g, '');
  const folded = password.toLowerCase();
  for (const card of about.cardNumbers) {
    const cardDigits = card.replace(/\D/g, '');
    if (folded.includes(card.toLowerCase()) || (cardDigits.length >= 6 && digits.includes(cardDigits))) {
      return 'must not contain the card number';
    }
  }
  if (about.birthDate) {
    const [y, m, d] = about.birthDate.split('-');
    const forms = [`${y}${m}${d}`, `${y!.slice(2)}${m}${d}`];
    if (forms.some((f) => digits.includes(f)) || digits === `${m}${d}`) {
      return 'must not be the birth date';
    }
  }
  return null;
}

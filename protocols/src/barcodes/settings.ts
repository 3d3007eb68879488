import { z } from 'zod';
import { CHECK_DIGIT_SCHEMES } from './checkDigits.ts';
import { START_STOP_CHARS } from './codabar.ts';

/**
 * What a reader may send, configured per barcode kind. Readers at one library are rarely all set
 * up alike (old desk scanners, new handhelds, a bookmobile), so 'either' is common; 'always' and
 * 'never' are stricter and catch a misconfigured reader at once.
 */
export const Transmission = z.enum(['always', 'never', 'either']);
export type Transmission = z.infer<typeof Transmission>;

export const CheckDigitSchemeSchema = z.enum(CHECK_DIGIT_SCHEMES);
export const StartStopCharSchema = z.enum(START_STOP_CHARS);

/** How one kind of NW-7 label (patron card or item label) looks at one library. */
export const Nw7Settings = z
  .object({
    symbology: z.literal('nw7').default('nw7'),
    /**
     * Characters between start and stop as printed, including the check character when the
     * scheme has one (e.g. 10 for "A123456789" + check digit "A").
     */
    length: z.number().int().min(1).max(32),
    checkDigit: CheckDigitSchemeSchema,
    /**
     * Whether the check character reaches us. 'either' cannot tell a reader that strips the check
     * digit from a dropped digit, so keep 'always' where every reader sends it.
     */
    checkDigitTransmitted: Transmission.default('always'),
    /** Only for 7DSR: the check digit printed when the body is divisible by 7. */
    sevenDsrZeroAs: z.enum(['0', '7']).default('0'),
    /** The stored form: matches the numbers already in the library's data. */
    canonicalForm: z.enum(['withCheckDigit', 'withoutCheckDigit']).default('withCheckDigit'),
    /** Allowed leading digits (e.g. the library's own range); empty = any. */
    prefixes: z.array(z.string().regex(/^[0-9]+$/)).default([]),
    startChars: z.array(StartStopCharSchema).min(1).default(['A']),
    stopChars: z.array(StartStopCharSchema).min(1).default(['A']),
    startStopTransmitted: Transmission.default('either'),
  })
  .superRefine((s, ctx) => {
    const bodyLength = s.checkDigit === 'none' ? s.length : s.length - 1;
    if (bodyLength < 1) {
      ctx.addIssue({ code: 'custom', path: ['length'], message: 'length must leave at least one digit' });
    }
    for (const [i, p] of s.prefixes.entries()) {
      if (p.length > bodyLength) {
        ctx.addIssue({ code: 'custom', path: ['prefixes', i], message: 'prefix is longer than the number' });
      }
    }
    // Modulus 16 sums the start/stop characters; without them on the wire we must know them.
    if (
      s.checkDigit === 'mod16' &&
      s.startStopTransmitted !== 'always' &&
      (s.startChars.length !== 1 || s.stopChars.length !== 1)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['startChars'],
        message: 'modulus 16 without transmitted start/stop needs exactly one start and one stop character',
      });
    }
  });
export type Nw7Settings = z.output<typeof Nw7Settings>;
export type Nw7SettingsInput = z.input<typeof Nw7Settings>;

/** A tenant's barcode settings: one NW-7 description per kind. */
export const BarcodeSettings = z.object({
  patronCard: Nw7Settings,
  itemLabel: Nw7Settings,
});
export type BarcodeSettings = z.output<typeof BarcodeSettings>;
export type BarcodeSettingsInput = z.input<typeof BarcodeSettings>;

import tables from './charsets/marc8.json' with { type: 'json' };

/**
 * MARC-8 → Unicode, after the Library of Congress MARC-8 specification: G0 starts as ASCII and G1 as
 * ANSEL (extended Latin); escape sequences designate Hebrew, Arabic, Cyrillic, Greek, subscripts,
 * superscripts or the three-byte East Asian set (EACC) into G0 or G1. MARC-8 writes a combining
 * diacritic before its base letter, Unicode after it; the result is NFC, as LC's conversion gives.
 * Character references `&#xXXXX;` (LC's way to carry characters MARC-8 lacks) become the character.
 *
 * Pure: the tables come from `charsets/marc8.json` (see build-marc8-tables.ts for their source).
 */

/** Why the bytes are not MARC-8, and the index of the byte that shows it. */
export class Marc8Error extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`byte ${index}: ${reason}`);
    this.name = 'Marc8Error';
  }
}

const ESC = 0x1b;
const ASCII = 0x42;
const ANSEL = 0x45;
const EACC = 0x31;
const COMBINING = 0x200000; // flag above the Unicode range
/** ANSEL's own C1 codes: non-sort begin/end (0x88/0x89), zero width joiner/non-joiner (0x8D/0x8E). */
const ANSEL_CONTROLS = new Set([0x88, 0x89, 0x8d, 0x8e]);

/** The sets by final character, with the names LC gives them. */
const SET_NAMES = new Map<number, string>([
  [0x42, 'Basic Latin (ASCII)'],
  [0x45, 'Extended Latin (ANSEL)'],
  [0x32, 'Basic Hebrew'],
  [0x4e, 'Basic Cyrillic'],
  [0x51, 'Extended Cyrillic'],
  [0x33, 'Basic Arabic'],
  [0x34, 'Extended Arabic'],
  [0x53, 'Basic Greek'],
  [0x67, 'Greek symbols'],
  [0x62, 'Subscripts'],
  [0x70, 'Superscripts'],
  [0x31, 'East Asian (EACC)'],
]);

type CharSet = { final: number; map: Map<number, number>; high: boolean };
const loaded = new Map<number, CharSet>();

function charSet(final: number): CharSet | undefined {
  let set = loaded.get(final);
  if (set) return set;
  const text = (tables.sets as Record<string, string | undefined>)[final.toString(16)];
  if (text === undefined) return undefined;
  const map = new Map<number, number>();
  for (const run of text.split(' ')) {
    const colon = run.indexOf(':');
    let code = Number.parseInt(run.slice(0, colon), 16);
    for (const v of run.slice(colon + 1).split(',')) {
      map.set(
        code++,
        v.startsWith('+') ? Number.parseInt(v.slice(1), 16) | COMBINING : Number.parseInt(v, 16),
      );
    }
  }
  // ANSEL and Extended Arabic/Cyrillic are listed at 0xA1–0xFE, the others at 0x21–0x7E.
  set = { final, map, high: Math.min(...map.keys()) >= 0x80 };
  loaded.set(final, set);
  return set;
}

const eacc = () => charSet(EACC)!;

/** Which sets are in G0 and G1; it carries from one subfield to the next within a field. */
export type Marc8State = {
  g0: number;
  g1: number;
  dropped: Set<number>;
  undefinedCodes: Set<number>;
  /** how many bytes were undefined codes (a record full of them is in another character set) */
  undefinedCount: number;
};
/**
 * Fresh state: G0 ASCII, G1 ANSEL; `dropped` collects the control bytes left out of the text,
 * `undefinedCodes` the single-byte codes no table of their set defines (left out too).
 */
export const marc8InitialState = (): Marc8State => ({
  g0: ASCII,
  g1: ANSEL,
  dropped: new Set(),
  undefinedCodes: new Set(),
  undefinedCount: 0,
});
/** Each field of a record starts again with the default sets. */
export const marc8StartField = (state: Marc8State) => {
  state.g0 = ASCII;
  state.g1 = ANSEL;
};
/** Bytes left out, for a warning: "0x0C 0x1A". */
export const marc8Dropped = (state: Marc8State, which: 'dropped' | 'undefinedCodes' = 'dropped') =>
  [...state[which]]
    .sort((a, b) => a - b)
    .map(show)
    .join(' ');

const name = (final: number) => SET_NAMES.get(final) ?? `"${String.fromCharCode(final)}"`;
const show = (b: number) => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;

/**
 * Read one escape sequence at `i` (bytes[i] is ESC) into `state`; returns the index after it.
 * Forms: ESC ( F, ESC , F (G0), ESC ) F, ESC - F (G1), ESC $ F, ESC $ ( F, ESC $ , F (multibyte G0),
 * ESC $ ) F, ESC $ - F (multibyte G1), the final F possibly preceded by "!" (ESC ) ! E for ANSEL),
 * and the short forms ESC g / b / p / s (Greek symbols, subscripts, superscripts, back to ASCII).
 */
function readEscape(bytes: Uint8Array, i: number, state: Marc8State): number {
  const at = (k: number) => (k < bytes.length ? bytes[k]! : -1);
  let k = i + 1;
  const first = at(k);
  if (first === 0x67 || first === 0x62 || first === 0x70 || first === 0x73) {
    state.g0 = first === 0x73 ? ASCII : first;
    return k + 1;
  }
  // Intermediates: "$" multibyte; "(" or "," G0; ")" or "-" G1 ("$" alone before the final: G0).
  const multibyte = first === 0x24;
  if (multibyte) k++;
  const intermediate = at(k);
  const g = intermediate === 0x29 || intermediate === 0x2d ? 'g1' : 'g0';
  if (intermediate === 0x28 || intermediate === 0x2c || g === 'g1') k++;
  else if (!multibyte)
    throw new Marc8Error(
      i,
      first < 0
        ? 'the data ends with an escape character (0x1B)'
        : `escape sequence ESC ${printable(first)} is not a MARC-8 character set designation`,
    );
  if (at(k) === 0x21) k++; // ESC ) ! E: the "!" is a second intermediate byte
  const final = at(k);
  const seq = `ESC ${[...bytes.subarray(i + 1, Math.min(k + 1, bytes.length))].map(printable).join(' ')}`;
  if (final < 0) throw new Marc8Error(i, `the data ends inside the escape sequence ${seq}`);
  const set = charSet(final);
  if (!set) throw new Marc8Error(i, `escape sequence ${seq} names no MARC-8 character set`);
  if ((final === EACC) !== multibyte)
    throw new Marc8Error(
      i,
      `escape sequence ${seq}: ${name(final)} is ${final === EACC ? '' : 'not '}a multibyte set`,
    );
  state[g] = final;
  return k + 1;
}

const printable = (b: number) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : show(b));

/**
 * Decode MARC-8 bytes (one subfield or control field, no delimiters) to NFC Unicode. `state` is
 * updated so a field's next subfield continues in the sets this one left designated. Throws
 * Marc8Error naming the byte for a bad escape sequence, an EACC code that is in no table, or an
 * EACC character cut short; a single-byte code its set does not define is left out (`undefinedCodes`).
 */
export function decodeMarc8(bytes: Uint8Array, state: Marc8State = marc8InitialState()): string {
  let out = '';
  let pending = ''; // combining marks waiting for their base character
  let i = 0;
  const emit = (u: number) => {
    const ch = String.fromCodePoint(u & ~COMBINING);
    if (u & COMBINING) pending += ch;
    else {
      out += ch + pending;
      pending = '';
    }
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === ESC) {
      i = readEscape(bytes, i, state);
      continue;
    }
    if (state.g0 === EACC && b >= 0x20 && b <= 0x7f) {
      // Three bytes a character; a lone space stays one byte (as yaz reads it).
      const u =
        i + 3 <= bytes.length ? eacc().map.get((b << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!) : undefined;
      if (u !== undefined) {
        emit(u);
        i += 3;
        continue;
      }
      if (b !== 0x20)
        throw new Marc8Error(
          i,
          i + 3 > bytes.length
            ? `East Asian (EACC) character cut short: ${bytes.length - i} of its 3 bytes`
            : `${[...bytes.subarray(i, i + 3)].map(show).join(' ')} is not a character of ${name(EACC)}`,
        );
    }
    if (b === 0x20) {
      out += ` ${pending}`;
      pending = '';
      i++;
      continue;
    }
    if (b < 0x20 || (b >= 0x80 && b < 0xa0 && !ANSEL_CONTROLS.has(b))) {
      // Control characters have no place in field data; pymarc and yaz drop them too.
      state.dropped.add(b);
      i++;
      continue;
    }
    const set = ANSEL_CONTROLS.has(b) ? charSet(ANSEL)! : charSet(b < 0x80 ? state.g0 : state.g1)!;
    const code = set.final === EACC ? -1 : set.high ? b | 0x80 : b & 0x7f;
    const u = set.map.get(code);
    if (u === undefined && set.final === EACC)
      throw new Marc8Error(
        i,
        `${show(b)} is not a character of ${name(EACC)} (a multibyte set cannot be G1)`,
      );
    if (u === undefined) {
      // a single code the set does not define (0xAF in ANSEL in yaz's test files): one character
      // lost, not the record — left out as yaz does, and said in the record's warnings
      state.undefinedCodes.add(b);
      state.undefinedCount++;
      i++;
      continue;
    }
    emit(u);
    i++;
  }
  out += pending; // a mark with no base letter is kept, not lost
  return expandReferences(out).normalize('NFC');
}

/** LC's MARC-8 character references: `&#x` + 4–6 hex digits + `;` stand for that character. */
const expandReferences = (s: string) =>
  s.includes('&#x')
    ? s.replace(/&#x([0-9A-Fa-f]{4,6});/g, (all, h: string) => {
        const cp = Number.parseInt(h, 16);
        return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : all;
      })
    : s;

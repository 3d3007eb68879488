import { isUtf8 } from 'node:buffer';
import { chosenDecoder } from './charset.ts';
import { decodeMarc8, Marc8Error, marc8Dropped, marc8InitialState, marc8StartField } from './marc8.ts';
import {
  type ByteSource,
  CODE_RE,
  chunksOf,
  type DataField,
  type Field,
  INDICATOR_RE,
  isControlTag,
  type MarcRecord,
  MarcRecordError,
  type ReadOptions,
  type ReadResult,
  recordWarnings,
  TAG_RE,
} from './record.ts';

const RECORD_END = 0x1d;
const FIELD_END = 0x1e;
const SUBFIELD = 0x1f;
const ESC = 0x1b;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ascii = (b: Uint8Array) => String.fromCharCode(...b);
const isDigits = (s: string) => /^[0-9]+$/.test(s);

/** Why a record failed, thrown inside decodeRecord and turned into a MarcRecordError by the caller. */
class Reject extends Error {}

/**
 * Read ISO 2709 records from a byte stream (a Node Readable, a web ReadableStream or any async
 * iterable of chunks) one at a time, never holding more than one record beyond the current chunk.
 *
 * The record length in the leader frames each record. When it is garbage, or the byte it points
 * at is not the record terminator, the record is rejected and reading resumes after the next
 * terminator, so one bad record costs one record, not the rest of the file.
 */
export async function* readIso2709(
  source: ByteSource,
  options: ReadOptions = {},
): AsyncGenerator<ReadResult> {
  let buf = Buffer.alloc(0);
  let bufStart = 0; // stream offset of buf[0]
  let position = 0;
  let ended = false;
  const it = chunksOf(source);
  const fill = async () => {
    if (ended) return false;
    const next = await it.next();
    if (next.done) {
      ended = true;
      return false;
    }
    buf = buf.length === 0 ? Buffer.from(next.value) : Buffer.concat([buf, next.value]);
    return true;
  };
  const drop = (n: number) => {
    buf = buf.subarray(n);
    bufStart += n;
  };

  for (;;) {
    // Line breaks, spaces or NULs between records are common in hand-made files; they are no record.
    for (;;) {
      let skip = 0;
      while (
        skip < buf.length &&
        (buf[skip] === 0x0a || buf[skip] === 0x0d || buf[skip] === 0x00 || buf[skip] === 0x20)
      )
        skip++;
      drop(skip);
      if (buf.length > 0 || !(await fill())) break;
    }
    if (buf.length === 0) return;
    while (buf.length < 5 && (await fill()));
    position++;
    const offset = bufStart;
    const lengthText = ascii(buf.subarray(0, Math.min(5, buf.length)));
    let length = isDigits(lengthText) && lengthText.length === 5 ? Number(lengthText) : -1;
    let problem: string | null = null;
    if (length < 0) problem = `record length "${printable(lengthText)}" in the leader is not five digits`;
    else if (length < 26) problem = `record length ${length} is shorter than a leader and a directory`;
    if (problem === null) {
      while (buf.length < length && (await fill()));
      if (buf.length < length)
        problem = `the file ends after ${buf.length} of the record's ${length} bytes (truncated file?)`;
      else if (buf[length - 1] !== RECORD_END)
        problem = `byte ${offset + length - 1} is not the record terminator (0x1D): the record length ${length} is wrong`;
    }
    if (problem !== null) {
      // Resynchronise on the next record terminator.
      let end = buf.indexOf(RECORD_END);
      while (end < 0 && (await fill())) end = buf.indexOf(RECORD_END);
      length = end < 0 ? buf.length : end + 1;
      drop(length);
      yield { ok: false, position, offset, error: new MarcRecordError(position, offset, problem) };
      continue;
    }
    const bytes = buf.subarray(0, length);
    drop(length);
    try {
      const { record, warnings } = decodeIso2709Record(bytes, offset, options);
      yield { ok: true, position, offset, record, warnings };
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      yield { ok: false, position, offset, error: new MarcRecordError(position, offset, e.message) };
    }
  }
}

const printable = (s: string) =>
  s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/**
 * Decode one framed record (its bytes end with the record terminator). `offset` is where the
 * record starts in the file, so every reason names an absolute byte position.
 */
export function decodeIso2709Record(
  bytes: Uint8Array,
  offset = 0,
  options: ReadOptions = {},
): { record: MarcRecord; warnings: string[] } {
  const warnings: string[] = [];
  const leaderBytes = bytes.subarray(0, 24);
  if (!printableAscii(bytes, 0, 24))
    throw new Reject(
      `the leader holds a byte that is not printable ASCII: "${printable(ascii(leaderBytes))}"`,
    );
  let leader = ascii(leaderBytes);
  const baseText = leader.slice(12, 17);
  if (!isDigits(baseText)) throw new Reject(`base address of data "${baseText}" (Ldr/12-16) is not a number`);
  const base = Number(baseText);
  if (base < 25) throw new Reject(`base address of data ${base} is inside the leader (must be at least 25)`);
  if (base >= bytes.length)
    throw new Reject(`base address of data ${base} is at or beyond the record length ${bytes.length}`);
  if (bytes[base - 1] !== FIELD_END)
    throw new Reject(`the directory does not end with a field terminator at byte ${offset + base - 1}`);
  const dirLength = base - 1 - 24;
  // a non-ASCII byte first: a character of several bytes is what makes most such directories too long
  const directoryBytes = bytes.subarray(24, base - 1);
  if (dirLength % 12 !== 0 && !printableAscii(bytes, 24, base - 1))
    throw new Reject(`the directory holds a byte that is not ASCII: "${printable(ascii(directoryBytes))}"`);
  if (dirLength % 12 !== 0)
    throw new Reject(
      `the directory is ${dirLength} bytes long, not a multiple of 12 (base address ${base} is wrong)`,
    );

  // Other MARC dialects (danMARC2 …) use three indicators or longer subfield codes; MARC 21 never does.
  if (/[0-9]/.test(leader[10]!) && leader[10] !== '2')
    throw new Reject(`indicator count ${leader[10]} (Ldr/10) is not MARC 21's 2`);
  if (/[0-9]/.test(leader[11]!) && leader[11] !== '2')
    throw new Reject(`subfield code length ${leader[11]} (Ldr/11) is not MARC 21's 2`);
  const coding = leader[9];
  const chosen = chosenDecoder(options.encoding, bytes, base, warnings, (reason) => {
    throw new Reject(reason);
  });
  let decode: (b: Uint8Array, where: string) => string;
  let startField = () => {};
  let finish = () => {};
  let mislabelled = false;
  if (chosen) decode = chosen;
  else if (coding === 'a') {
    decode = (b, where) => {
      try {
        return utf8.decode(b);
      } catch {
        throw new Reject(`${where} is not valid UTF-8 although Ldr/09 is "a" (UTF-8)`);
      }
    };
  } else if (coding === ' ') {
    // Ldr/09 blank means MARC-8. UTF-8 mislabelled as MARC-8 is common and recognisable: the data
    // area has bytes above 0x7F, is valid UTF-8 and holds no escape sequence. Anything else is
    // decoded as MARC-8, field by field (sets designated in one subfield carry into the next).
    const data = bytes.subarray(base);
    let asUtf8 = !data.includes(ESC) && data.some((x) => x >= 0x80);
    if (asUtf8)
      try {
        utf8.decode(data);
      } catch {
        asUtf8 = false;
      }
    if (asUtf8) {
      mislabelled = true;
      warnings.push(MISLABELLED);
      decode = (b) => utf8.decode(b);
    } else {
      leader = `${leader.slice(0, 9)}a${leader.slice(10)}`; // the strings are Unicode from here on
      const state = marc8InitialState();
      startField = () => marc8StartField(state);
      decode = (b, where) => {
        try {
          return decodeMarc8(b, state);
        } catch (e) {
          if (!(e instanceof Marc8Error)) throw e;
          const at = offset + b.byteOffset - bytes.byteOffset + e.index;
          throw new Reject(`${where} is not valid MARC-8 (Ldr/09 blank): at byte ${at}, ${e.reason}`);
        }
      };
      finish = () => {
        if (state.dropped.size > 0)
          warnings.push(`MARC-8 control characters left out of the text: ${marc8Dropped(state)}`);
        // one or two stray codes are a cataloguer's slip; more are text in another character set
        if (state.undefinedCount > MAX_UNDEFINED_MARC8)
          throw new Reject(
            `${state.undefinedCount} bytes that MARC-8 does not define (${marc8Dropped(state, 'undefinedCodes')}): the record is probably in another character set — name it with the encoding option (e.g. --encoding cp1251)`,
          );
        if (state.undefinedCodes.size > 0)
          warnings.push(
            `MARC-8 codes their character set does not define, left out of the text: ${marc8Dropped(state, 'undefinedCodes')}`,
          );
      };
    }
  } else {
    throw new Reject(
      `unknown character coding "${printable(coding ?? '')}" in Ldr/09 (expected "a" for UTF-8)`,
    );
  }

  // UTF-8 whose data area is valid as a whole is sliced field by field straight from the bytes: a
  // field starts at a character (checked below) and ends before its terminator, so every slice is
  // valid too (fastUtf8Field). Anything else decodes subfield by subfield and names what is wrong.
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fastUtf8 = !chosen && (mislabelled || (coding === 'a' && isUtf8(bytes.subarray(base))));
  const fields: Field[] = [];
  const dataEnd = bytes.length - 1; // the record terminator
  for (let i = 24; i < base - 1; i += 12) {
    if (!printableAscii(bytes, i, i + 12))
      throw new Reject(
        `${directoryEntry(i, offset)} holds a byte that is not ASCII: "${printable(ascii(bytes.subarray(i, i + 12)))}"`,
      );
    const tag = String.fromCharCode(bytes[i]!, bytes[i + 1]!, bytes[i + 2]!);
    const length = digitsAt(bytes, i + 3, i + 7);
    const startAt = digitsAt(bytes, i + 7, i + 12);
    if (length < 0 || startAt < 0) {
      const entry = ascii(bytes.subarray(i, i + 12));
      throw new Reject(
        `${directoryEntry(i, offset)} (tag ${tag}): length "${entry.slice(3, 7)}" or start "${entry.slice(7, 12)}" is not a number`,
      );
    }
    const start = base + startAt;
    const end = start + length;
    if (length < 1 || end > dataEnd)
      throw new Reject(
        `${directoryEntry(i, offset)} (tag ${tag}): field runs from byte ${offset + start} to ${offset + end}, past the data area`,
      );
    if (bytes[end - 1] !== FIELD_END)
      throw new Reject(
        `field ${tag} at byte ${offset + start} does not end with a field terminator (its length is wrong)`,
      );
    if (!TAG_RE.test(tag)) {
      warnings.push(
        `${directoryEntry(i, offset)}: tag "${tag}" is not three letters or digits; the field is left out`,
      );
      continue;
    }
    startField();
    const control = isControlTag(tag);
    if (fastUtf8 && (bytes[start]! & 0xc0) !== 0x80) {
      if (control) {
        fields.push({ tag, value: buffer.toString('utf8', start, end - 1) });
        continue;
      }
      const field = fastUtf8Field(tag, buffer, start, end - 1, offset, warnings);
      if (field) {
        fields.push(field);
        continue;
      }
    }
    const body = bytes.subarray(start, end - 1);
    const where = `field ${tag} at byte ${offset + start}`;
    if (control) {
      fields.push({ tag, value: decode(body, where) });
      continue;
    }
    fields.push(decodeDataField(tag, body, where, decode, warnings));
  }
  if (fields.length === 0) throw new Reject('the record has no fields');
  finish();
  warnings.push(...recordWarnings(fields));

  return { record: { leader, fields }, warnings };
}

/** A directory entry's name in a reason: its number and where it starts in the file. */
const directoryEntry = (i: number, offset: number) =>
  `directory entry ${(i - 24) / 12 + 1} at byte ${offset + i}`;

/** Whether bytes [from, to) are all printable ASCII (0x20–0x7E). */
function printableAscii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i]! < 0x20 || bytes[i]! > 0x7e) return false;
  return true;
}

/** The number written in ASCII digits at [from, to), or -1 when a byte there is not a digit. */
function digitsAt(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const isAlnum = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * A data field of valid UTF-8 from one slice of the record: two indicators, then subfields split on
 * the delimiter (0x1F never occurs inside a UTF-8 character). Null when the field has anything
 * decodeDataField reports on (odd indicators, a code that is not printable ASCII): it reads it then.
 */
function fastUtf8Field(
  tag: string,
  buffer: Buffer,
  start: number,
  end: number,
  offset: number,
  warnings: string[],
): DataField | null {
  const i1 = buffer[start]!;
  const i2 = buffer[start + 1]!;
  if (end - start < 2 || i1 < 0x20 || i1 > 0x7e || i2 < 0x20 || i2 > 0x7e) return null;
  if (end - start > 2 && buffer[start + 2] !== SUBFIELD) return null;
  const subfields: DataField['subfields'] = [];
  const pieces = end - start > 3 ? buffer.toString('utf8', start + 3, end).split('\x1f') : [];
  for (const piece of pieces) {
    if (piece === '') continue; // an empty delimiter pair: nothing to keep
    const c = piece.charCodeAt(0);
    if (c < 0x21 || c > 0x7e) return null;
    const code = piece[0]!;
    if (!isAlnum(c))
      warnings.push(
        `field ${tag} at byte ${offset + start}: subfield code "${code}" is not a letter or digit (kept)`,
      );
    subfields.push({ code, value: piece.slice(1) });
  }
  return { tag, ind1: String.fromCharCode(i1), ind2: String.fromCharCode(i2), subfields };
}

/** Undefined MARC-8 codes a record may hold and still be read (each left out, with a warning). */
const MAX_UNDEFINED_MARC8 = 3;

const MISLABELLED = 'Ldr/09 says MARC-8 but the data is UTF-8; read as UTF-8';

/**
 * One data field. What a reader can read past is kept with a warning, as pymarc and yaz read it: bytes
 * where the two indicators belong that are not two ASCII characters (indicators read as blanks, the
 * rest left out), and a subfield whose code is not an ASCII letter or digit. Invalid text is not.
 */
function decodeDataField(
  tag: string,
  body: Uint8Array,
  where: string,
  decode: (b: Uint8Array, where: string) => string,
  warnings: string[],
): DataField {
  let first = body.indexOf(SUBFIELD);
  if (first < 0) first = body.length;
  const head = [...loose.decode(body.subarray(0, first))];
  const indicator = (c: string | undefined) => (c !== undefined && INDICATOR_RE.test(c) ? c : ' ');
  const ind1 = indicator(head[0]);
  const ind2 = indicator(head[1]);
  if (head.length !== 2 || ind1 !== head[0] || ind2 !== head[1]) {
    const rest = head.slice(2).join('');
    warnings.push(
      head.length === 0
        ? `${where}: no indicators; read as blanks`
        : `${where}: "${visible(head.join(''))}" stands where two indicators belong; indicators read as "${ind1}${ind2}"${rest ? `, "${visible(rest)}" left out` : ''}`,
    );
  }
  const subfields: DataField['subfields'] = [];
  let p = first + 1;
  while (p <= body.length) {
    let q = body.indexOf(SUBFIELD, p);
    if (q < 0) q = body.length;
    if (q === p) {
      p = q + 1; // an empty delimiter pair: nothing to keep
      continue;
    }
    const code = String.fromCharCode(body[p]!);
    if (!CODE_RE.test(code)) {
      warnings.push(
        `${where}: subfield code "${visible(loose.decode(body.subarray(p, Math.min(q, p + 4))).slice(0, 1))}" is not an ASCII letter or digit; the subfield "${visible(loose.decode(body.subarray(p, q)))}" is left out`,
      );
    } else {
      if (!/[0-9a-z]/i.test(code))
        warnings.push(`${where}: subfield code "${code}" is not a letter or digit (kept)`);
      subfields.push({ code, value: decode(body.subarray(p + 1, q), `${where} $${code}`) });
    }
    p = q + 1;
  }
  return { tag, ind1, ind2, subfields };
}

/** For the text of a warning only: never fails, shows a bad byte as U+FFFD. */
const loose = new TextDecoder('utf-8');
const visible = (s: string) =>
  s.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** Read every record of an in-memory file (tests, small uploads). */
export async function readIso2709Buffer(bytes: Uint8Array): Promise<ReadResult[]> {
  const out: ReadResult[] = [];
  for await (const r of readIso2709([bytes])) out.push(r);
  return out;
}

/** What a serial reader sends after each barcode. */
export type Suffix = 'cr' | 'lf' | 'crlf';

const TERMINATOR: Record<Suffix, Buffer> = {
  cr: Buffer.from('\r'),
  lf: Buffer.from('\n'),
  crlf: Buffer.from('\r\n'),
};

export type Framed = {
  /** complete barcodes, in order */
  frames: string[];
  /** frames thrown away: too long (no suffix seen: the suffix setting is probably wrong) or garbled */
  dropped: number;
};

const isControl = (code: number) => code < 0x20 || code === 0x7f;

/**
 * Cuts a serial reader's byte stream into barcodes at the configured suffix. Bytes arrive in any
 * chunking (one read may hold half a barcode or three). Control characters around a barcode are
 * dropped — the LF of a CR+LF reader set to `cr`, STX/ETX framing — while one inside a barcode
 * makes it garbled, and it is dropped rather than delivered as some other number.
 */
export class SuffixFramer {
  private pending = Buffer.alloc(0);
  private readonly terminator: Buffer;

  constructor(
    suffix: Suffix,
    private readonly maxLength = 256,
  ) {
    this.terminator = TERMINATOR[suffix];
  }

  push(chunk: Uint8Array): Framed {
    const out: Framed = { frames: [], dropped: 0 };
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    for (let at = buf.indexOf(this.terminator); at >= 0; at = buf.indexOf(this.terminator)) {
      const frame = frameText(buf.subarray(0, at));
      buf = buf.subarray(at + this.terminator.length);
      if (frame === null) out.dropped++;
      else if (frame.length > 0) out.frames.push(frame);
    }
    if (buf.length > this.maxLength) {
      out.dropped++;
      buf = Buffer.alloc(0);
    }
    this.pending = Buffer.from(buf);
    return out;
  }

  /** Forget a partial barcode (the reader was reopened). */
  reset(): void {
    this.pending = Buffer.alloc(0);
  }
}

/** The text of one frame without surrounding control characters; null when it is garbled. */
function frameText(bytes: Buffer): string | null {
  let start = 0;
  let end = bytes.length;
  while (start < end && isControl(bytes[start]!)) start++;
  while (end > start && isControl(bytes[end - 1]!)) end--;
  const inner = bytes.subarray(start, end);
  if (inner.some(isControl)) return null;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(inner);
  return text.includes('\uFFFD') ? null : text;
}

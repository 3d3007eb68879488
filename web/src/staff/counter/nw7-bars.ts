/**
 * NW-7 (Codabar) as bars, for drawing a pairing code on screen. Each character is seven elements —
 * bar, space, bar, space, bar, space, bar — each narrow or wide; characters are separated by a
 * narrow space. The patterns are the standard table (bit 6 = first element, 1 = wide).
 */
const PATTERNS: Record<string, number> = {
  '0': 0b0000011,
  '1': 0b0000110,
  '2': 0b0001001,
  '3': 0b1100000,
  '4': 0b0010010,
  '5': 0b1000010,
  '6': 0b0100001,
  '7': 0b0100100,
  '8': 0b0110000,
  '9': 0b1001000,
  '-': 0b0001100,
  $: 0b0011000,
  ':': 0b1000101,
  '/': 0b1010001,
  '.': 0b1010100,
  '+': 0b0010101,
  A: 0b0011010,
  B: 0b0101001,
  C: 0b0001011,
  D: 0b0001110,
};

export type Bars = {
  /** each bar: left edge and width, in narrow-element units, quiet zones included */
  bars: { x: number; w: number }[];
  width: number;
};

const START_STOP = /^[A-D][0-9\-$:/.+]*[A-D]$/;

/** Bars for `text`, start and stop characters included (e.g. "A$0123456789A"). Wide = 3 narrow. */
export function nw7Bars(text: string, wide = 3, quiet = 10): Bars {
  if (!START_STOP.test(text)) throw new RangeError(`not an NW-7 symbol: ${text}`);
  const bars: Bars['bars'] = [];
  let x = quiet;
  [...text].forEach((ch, i) => {
    if (i > 0) x += 1; // inter-character gap
    const p = PATTERNS[ch]!;
    for (let e = 0; e < 7; e++) {
      const w = (p >> (6 - e)) & 1 ? wide : 1;
      if (e % 2 === 0) bars.push({ x, w });
      x += w;
    }
  });
  return { bars, width: x + quiet };
}

/** Read bars back into text (for tests: what a reader would see). */
export function readNw7Bars({ bars }: Bars, wide = 3): string {
  const elements: number[] = [];
  bars.forEach((b, i) => {
    elements.push(b.w);
    const next = bars[i + 1];
    if (next) elements.push(next.x - (b.x + b.w));
  });
  let out = '';
  for (let at = 0; at < elements.length; at += 8) {
    let p = 0;
    for (let e = 0; e < 7; e++) p = (p << 1) | (elements[at + e] === wide ? 1 : 0);
    const ch = Object.entries(PATTERNS).find(([, v]) => v === p)?.[0];
    if (!ch) throw new Error(`no NW-7 character at element ${at}`);
    out += ch;
  }
  return out;
}

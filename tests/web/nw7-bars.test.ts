// The counter screen draws the scanner pairing code as NW-7; what it draws must read back as the code.
import { describe, expect, it } from 'vitest';
import { nw7Bars, readNw7Bars } from '../../web/src/staff/counter/nw7-bars.ts';

describe('NW-7 bars for the pairing code', () => {
  it('draws start A as narrow/narrow/wide/wide/narrow/wide/narrow after a 10-module quiet zone', () => {
    const { bars } = nw7Bars('A0A');
    // A = 0011010: bars are elements 1, 3, 5, 7 → widths 1, 3, 1, 1; spaces 1, 3, 3
    expect(bars.slice(0, 4)).toEqual([
      { x: 10, w: 1 },
      { x: 12, w: 3 },
      { x: 18, w: 1 },
      { x: 22, w: 1 },
    ]);
  });

  it('reads back every character, start/stop included', () => {
    for (const text of ['A$0123456789A', 'B-$:/.+B', 'C1000001D', 'D9876543210C']) {
      expect(readNw7Bars(nw7Bars(text))).toBe(text);
    }
  });

  it('is 10 + (chars × 7 elements) + gaps + 10 modules wide', () => {
    // each character: 4 narrow + 3 wide or 5 narrow + 2 wide elements, separated by one narrow gap
    const { width } = nw7Bars('A$0123456789A');
    expect(width).toBeGreaterThan(20 + 13 * 11);
    expect(width).toBeLessThan(20 + 13 * 17);
  });

  it('refuses text that is not an NW-7 symbol', () => {
    expect(() => nw7Bars('$0123456789')).toThrow(RangeError);
    expect(() => nw7Bars('AXA')).toThrow(RangeError);
  });
});

import type { PrintDocument } from '@bunko/protocols';
import { describe, expect, it } from 'vitest';
import { encodeCp932 } from '../src/cp932.ts';
import { PrintError } from '../src/drivers/types.ts';
import { documentToEscPos, ESCPOS, printDocumentToEscPos } from '../src/escpos.ts';

const hex = (b: Uint8Array | readonly number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
const seq = (...parts: (Uint8Array | readonly number[])[]) => parts.map(hex).join('');

const opts = {
  columns: 42,
  encoding: 'cp932',
  kanji: true,
  cutter: 'partial',
  feedLinesBeforeCut: 4,
} as const;
const begin = seq(ESCPOS.init, ESCPOS.katakanaTable, ESCPOS.kanjiShiftJis, ESCPOS.kanjiOn);
const end = seq(ESCPOS.kanjiOff, ESCPOS.feedLines(4), ESCPOS.partialCut);
const LF = [0x0a];

const doc = (blocks: PrintDocument['blocks'], cut?: boolean): PrintDocument => ({
  kind: 'document',
  title: 'test',
  blocks,
  ...(cut === undefined ? {} : { cut }),
});

describe('ESC/POS command bytes', () => {
  it('names alignment, emphasis, size and HRI as the ESC/POS manual does', () => {
    expect(hex(ESCPOS.align('left'))).toBe('1b6100'); // ESC a 0
    expect(hex(ESCPOS.align('center'))).toBe('1b6101'); // ESC a 1
    expect(hex(ESCPOS.align('right'))).toBe('1b6102'); // ESC a 2
    expect(hex(ESCPOS.emphasis(true))).toBe('1b4501'); // ESC E 1
    expect(hex(ESCPOS.emphasis(false))).toBe('1b4500');
    expect(hex(ESCPOS.doubleSize)).toBe('1d2111'); // GS ! 0x11
    expect(hex(ESCPOS.normalSize)).toBe('1d2100');
    expect(hex(ESCPOS.hriBelow)).toBe('1d4802'); // GS H 2
  });

  // The reason we keep our own encoder (docs/architecture.md, Print documents): these exact commands.
  it('names Kanji mode, NW-7, QR and the cut as the ESC/POS manual does', () => {
    expect(hex(ESCPOS.kanjiShiftJis)).toBe('1c4301'); // FS C 1
    expect(hex(ESCPOS.kanjiOn)).toBe('1c26'); // FS &
    expect(hex(ESCPOS.kanjiOff)).toBe('1c2e'); // FS .
    expect(hex(ESCPOS.codabar([0x41, 0x31, 0x41]))).toBe('1d6b4703413141'); // GS k 71 n d…
    expect(hex(ESCPOS.qrPrint)).toBe('1d286b0300315130'); // GS ( k … 81 48
    expect(hex(ESCPOS.partialCut)).toBe('1d564200'); // GS V 66 0
    expect(hex(ESCPOS.fullCut)).toBe('1d564100'); // GS V 65 0
  });
});

describe('ESC/POS print document', () => {
  it('sets alignment, emphasis and double size only when they change, and resets them at the end', () => {
    const bytes = printDocumentToEscPos(
      doc([
        { type: 'text', text: '貸出票', align: 'center', size: 'large', bold: true },
        { type: 'text', text: '図書館', align: 'center', size: 'large', bold: true },
        { type: 'text', text: 'OK', align: 'right' },
        { type: 'text', text: 'x' },
      ]),
      opts,
    );
    expect(hex(bytes)).toBe(
      begin +
        seq(ESCPOS.align('center'), ESCPOS.emphasis(true), ESCPOS.doubleSize) +
        seq(encodeCp932('貸出票'), LF, encodeCp932('図書館'), LF) +
        seq(ESCPOS.align('right'), ESCPOS.emphasis(false), ESCPOS.normalSize, encodeCp932('OK'), LF) +
        seq(ESCPOS.align('left'), encodeCp932('x'), LF) +
        end,
    );
  });

  it('prints pairs, rules and feeds as padded left-aligned lines', () => {
    const bytes = printDocumentToEscPos(
      doc([{ type: 'pair', label: '貸出点数', value: '2点' }, { type: 'rule' }, { type: 'feed', lines: 2 }]),
      opts,
    );
    expect(hex(bytes)).toBe(
      begin +
        seq(
          encodeCp932(`貸出点数${' '.repeat(42 - 8 - 3)}2点`),
          LF,
          encodeCp932('-'.repeat(42)),
          LF,
          LF,
          LF,
        ) +
        end,
    );
  });

  it('prints NW-7 with GS k 71 (function B), start/stop added, HRI below, centred', () => {
    const bytes = hex(
      printDocumentToEscPos(doc([{ type: 'barcode', symbology: 'nw7', data: '1000000017' }]), opts),
    );
    const data = Buffer.from('A1000000017A', 'ascii');
    expect(bytes).toContain(`${hex(ESCPOS.align('center'))}${hex(ESCPOS.hriBelow)}`);
    expect(bytes).toContain(`1d6b470c${data.toString('hex')}`); // GS k 71 n=12 d1…d12
    expect(hex(ESCPOS.codabar([...data]))).toBe(`1d6b470c${data.toString('hex')}`);
    // data that already has start/stop characters is printed as it is
    const own = hex(printDocumentToEscPos(doc([{ type: 'barcode', symbology: 'nw7', data: 'C123D' }]), opts));
    expect(own).toContain(`1d6b4705${Buffer.from('C123D').toString('hex')}`);
    expect(own.endsWith(seq(ESCPOS.align('left')) + end)).toBe(true);
  });

  it('prints CODE128 with GS k 73 and code set B, escaping "{"', () => {
    const bytes = hex(
      printDocumentToEscPos(doc([{ type: 'barcode', symbology: 'code128', data: 'AB{1' }]), opts),
    );
    // n = 2 ("{B") + 5 ("AB{{1")
    expect(bytes).toContain(`${hex(ESCPOS.hriBelow)}`);
    expect(bytes).toContain(`1d6b4907${Buffer.from('{BAB{{1').toString('hex')}`);
  });

  it('prints QR with GS ( k: model 2, size, level M, store with pL pH = k + 3, print', () => {
    const url = 'https://lib.example.jp/';
    const bytes = hex(printDocumentToEscPos(doc([{ type: 'barcode', symbology: 'qr', data: url }]), opts));
    const k = Buffer.byteLength(url);
    expect(bytes).toContain(
      seq(
        [0x1d, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00], // model 2
        [0x1d, 0x28, 0x6b, 3, 0, 0x31, 0x43, 5], // module size
        [0x1d, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x31], // level M
        [0x1d, 0x28, 0x6b, k + 3, 0, 0x31, 0x50, 0x30], // store
        Buffer.from(url),
        [0x1d, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30], // print
      ),
    );
    expect(bytes).not.toContain(hex(ESCPOS.hriBelow));
    // 100 kanji are 300 bytes of UTF-8: pL = 303 % 256 = 0x2f, pH = 1
    const long = hex(
      printDocumentToEscPos(doc([{ type: 'barcode', symbology: 'qr', data: '図'.repeat(100) }]), opts),
    );
    expect(long).toContain(
      `1d286b2f01315030${Buffer.from('図'.repeat(100)).toString('hex')}1d286b0300315130`,
    );
    expect(hex(ESCPOS.qrStore([1, 2]))).toBe('1d286b0500315030' + '0102');
  });

  it('cuts unless the document says not to, and follows a profile without cutter or Kanji', () => {
    const one = [{ type: 'text', text: 'a' }] as const;
    expect(hex(printDocumentToEscPos(doc([...one]), opts)).endsWith('1b64041d564200')).toBe(true);
    expect(hex(printDocumentToEscPos(doc([...one], false), opts)).endsWith('1c2e1b6404')).toBe(true);
    expect(hex(printDocumentToEscPos(doc([...one]), { ...opts, cutter: 'full' })).endsWith('1d564100')).toBe(
      true,
    );
    const utf8 = printDocumentToEscPos(doc([{ type: 'text', text: '本' }]), { ...opts, encoding: 'utf8' });
    expect(hex(utf8)).toBe(`1b40${Buffer.from('本\n').toString('hex')}1b64041d564200`);
  });

  it('renders either document kind; bad barcode data fails before any byte is sent', () => {
    expect(hex(documentToEscPos({ kind: 'text', lines: ['OK'] }, opts))).toBe(
      begin + seq(Buffer.from('OK\n')) + end,
    );
    const bad = doc([{ type: 'barcode', symbology: 'nw7', data: '12X4' }]);
    expect(() => documentToEscPos(bad, opts)).toThrow(PrintError);
    const code128 = doc([{ type: 'barcode', symbology: 'code128', data: '図書' }]);
    expect(() => documentToEscPos(code128, opts)).toThrow(/ASCII/);
  });
});

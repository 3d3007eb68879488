import { describe, expect, it } from 'vitest';
import { AgentRequest, checkoutReceipt } from '../src/index.ts';

const base = {
  transaction: 't-1',
  action: 'print',
  jobId: 'j-1',
  deviceId: 'receipt-1',
  notAfter: '2026-11-25T03:01:00Z',
} as const;

describe('print request documents', () => {
  it('still carries plain text lines', () => {
    const parsed = AgentRequest.parse({ ...base, document: { kind: 'text', lines: ['貸出票'] } });
    expect(parsed).toMatchObject({ document: { kind: 'text', lines: ['貸出票'] } });
  });

  it('carries a PrintDocument as a builder makes it, filling in block defaults', () => {
    const receipt = checkoutReceipt({
      libraryNameJa: '石垣市立図書館',
      cardBarcode: '2000000012',
      loans: [{ title: '八重山の海', itemBarcode: '1000000017', dueOn: '2026-12-09' }],
      printedAt: new Date('2026-11-25T03:00:00Z'),
    });
    const req: AgentRequest = { ...base, document: receipt };
    const parsed = AgentRequest.parse(JSON.parse(JSON.stringify(req)));
    if (parsed.action !== 'print' || parsed.document.kind !== 'document') throw new Error('not a document');
    expect(parsed.document.title).toBe('checkout-receipt');
    expect(parsed.document.cut).toBe(true);
    expect(parsed.document.blocks[1]).toEqual({
      type: 'text',
      text: '貸出票',
      align: 'center',
      size: 'normal',
      bold: false,
    });
  });

  it('refuses an unknown document kind or block', () => {
    expect(AgentRequest.safeParse({ ...base, document: { kind: 'pdf', data: '' } }).success).toBe(false);
    const badBlock = { kind: 'document', title: 'x', blocks: [{ type: 'image' }] };
    expect(AgentRequest.safeParse({ ...base, document: badBlock }).success).toBe(false);
    const badBarcode = {
      kind: 'document',
      title: 'x',
      blocks: [{ type: 'barcode', symbology: 'ean13', data: '1' }],
    };
    expect(AgentRequest.safeParse({ ...base, document: badBarcode }).success).toBe(false);
  });
});

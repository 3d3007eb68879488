import { z } from 'zod';

/**
 * Device-independent print documents: receipts, hold slips, routing slips. The core builds them;
 * an agent renders them for the printer at hand (ESC/POS receipt printer, label printer, PDF).
 * Text is logical — the renderer wraps it to the printer's columns. (The builders live in
 * documents.ts without zod, so the browser can use them without the schema library.)
 */
export const DocBlock = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    text: z.string().max(500),
    align: z.enum(['left', 'center', 'right']).default('left'),
    size: z.enum(['normal', 'large']).default('normal'),
    bold: z.boolean().default(false),
  }),
  /** label on the left, value on the right (e.g. 返却期限 … 令和8年12月9日) */
  z.object({ type: z.literal('pair'), label: z.string().max(100), value: z.string().max(200) }),
  z.object({ type: z.literal('rule') }),
  z.object({ type: z.literal('feed'), lines: z.number().int().min(1).max(10) }),
  z.object({
    type: z.literal('barcode'),
    symbology: z.enum(['nw7', 'code128', 'qr']),
    data: z.string().min(1).max(200),
  }),
  /** end of one label (or slip) in a job of several: feed to the cutter and cut, then go on */
  z.object({ type: z.literal('cut') }),
]);
export type DocBlock = z.input<typeof DocBlock>;

export const PrintDocument = z.object({
  kind: z.literal('document'),
  /** what it is, for the agent's log and the job list (never personal data) */
  title: z.string().max(100),
  blocks: z.array(DocBlock).min(1).max(400),
  cut: z.boolean().default(true),
});
export type PrintDocument = z.input<typeof PrintDocument>;

import { z } from 'zod';

/**
 * Page documents (A4/B5/A3 sheets): overdue letters and notices, the pull list, the postcard list.
 * Like `PrintDocument` they are device-independent data; the agent that fronts the office printer
 * renders them to PDF (Japanese font embedded) and sends them over IPP.
 */
export const SheetBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('heading'), text: z.string().max(200) }),
  z.object({
    type: z.literal('paragraph'),
    text: z.string().max(4000),
    align: z.enum(['left', 'center', 'right']).default('left'),
  }),
  /** an addressee or sender block (〒, address lines, name), printed as it is */
  z.object({ type: z.literal('address'), lines: z.array(z.string().max(200)).min(1).max(8) }),
  /** a table with relative column widths; rows longer than the page continue on the next page with the header */
  z.object({
    type: z.literal('table'),
    columns: z
      .array(z.object({ label: z.string().max(100), width: z.number().min(1).max(100) }))
      .min(1)
      .max(12),
    rows: z.array(z.array(z.string().max(300)).max(12)).max(20_000),
  }),
  z.object({ type: z.literal('spacer'), mm: z.number().min(1).max(100) }),
  z.object({ type: z.literal('pageBreak') }),
]);
export type SheetBlock = z.input<typeof SheetBlock>;

export const SheetDocument = z.object({
  kind: z.literal('sheet'),
  /** what it is, for the agent's log, the IPP job name and the job list (never personal data) */
  title: z.string().max(100),
  paper: z.enum(['A4', 'B5', 'A3']).default('A4'),
  orientation: z.enum(['portrait', 'landscape']).default('portrait'),
  blocks: z.array(SheetBlock).min(1).max(20_000),
});
export type SheetDocument = z.input<typeof SheetDocument>;

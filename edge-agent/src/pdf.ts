import { existsSync } from 'node:fs';
import { type SheetBlock, type SheetDocument, SheetDocument as SheetSchema } from '@bunko/protocols';
import PDFDocument from 'pdfkit';
import { PrintError } from './drivers/types.ts';

/**
 * Page documents to PDF with pdfkit. pdfkit embeds TrueType/OpenType fonts (also one face of a
 * .ttc collection) as a subset of the glyphs used, so a one-page letter carries a few dozen KB of
 * font instead of the whole Japanese font. Text is real text (copyable, searchable, read back by
 * pdftotext in our tests), not pictures of text.
 */

/** A Japanese font: a .ttf/.otf path, or a .ttc path with the face's PostScript name. */
export type PdfFont = { path: string; family?: string };

/**
 * Where Japanese fonts live on the machines agents run on, in order of preference: IPAex Gothic
 * (Debian fonts-ipaexfont-gothic, TrueType outlines, the smallest subsets), Debian's Japanese
 * gothic alternative, Noto Sans CJK JP (Debian fonts-noto-cjk, a .ttc), Windows' Yu Gothic and MS Gothic.
 */
export const FONT_CANDIDATES: readonly PdfFont[] = [
  { path: '/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf' },
  { path: '/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf' },
  { path: '/usr/share/fonts/truetype/fonts-japanese-gothic.ttf' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKjp-Regular' },
  { path: 'C:\\Windows\\Fonts\\YuGothR.ttc', family: 'YuGothic-Regular' },
  { path: 'C:\\Windows\\Fonts\\msgothic.ttc', family: 'MS-Gothic' },
];

/** The configured font, else the first candidate present on this machine. */
export function findJapaneseFont(configured?: PdfFont): PdfFont | undefined {
  if (configured) return configured;
  return FONT_CANDIDATES.find((f) => existsSync(f.path));
}

const MM = 72 / 25.4;
const MARGIN = 18 * MM;
const BODY = 10.5;
const HEADING = 16;
const CELL_PAD = 2.5;

/** Render a sheet to PDF bytes. A bad document or a missing font fails before anything is sent. */
export async function sheetToPdf(input: SheetDocument, font: PdfFont | undefined): Promise<Buffer> {
  const parsed = SheetSchema.safeParse(input);
  if (!parsed.success) throw new PrintError('printFailed', 'the sheet document is not valid', true);
  if (!font)
    throw new PrintError(
      'printFailed',
      'no Japanese font found for PDF (install fonts-ipaexfont-gothic or set pdfFont in the config)',
      true,
    );
  const sheet = parsed.data;
  const doc = new PDFDocument({
    size: sheet.paper,
    layout: sheet.orientation,
    margin: MARGIN,
    info: { Title: sheet.title, Producer: 'Bunko edge agent', Creator: 'Bunko' },
    autoFirstPage: true,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    doc.registerFont('ja', font.path, font.family);
    doc.font('ja').fontSize(BODY);
  } catch (err) {
    throw new PrintError('printFailed', `cannot use the font ${font.path}: ${(err as Error).message}`, true);
  }
  for (const block of sheet.blocks) drawBlock(doc, block);
  doc.end();
  return done;
}

type Doc = InstanceType<typeof PDFDocument>;

const left = (doc: Doc) => doc.page.margins.left;
const usable = (doc: Doc) => doc.page.width - doc.page.margins.left - doc.page.margins.right;
const bottom = (doc: Doc) => doc.page.height - doc.page.margins.bottom;

function drawBlock(doc: Doc, b: SheetBlock): void {
  const width = usable(doc);
  switch (b.type) {
    case 'heading':
      doc.fontSize(HEADING).text(b.text, left(doc), doc.y, { width, align: 'center' });
      doc.fontSize(BODY).moveDown(0.8);
      return;
    case 'paragraph':
      doc.text(b.text, left(doc), doc.y, { width, align: b.align ?? 'left', lineGap: 3 });
      doc.moveDown(0.5);
      return;
    case 'address':
      for (const line of b.lines) doc.text(line, left(doc), doc.y, { width });
      doc.moveDown(0.5);
      return;
    case 'spacer':
      doc.y += b.mm * MM;
      if (doc.y > bottom(doc)) doc.addPage();
      return;
    case 'pageBreak':
      doc.addPage();
      return;
    case 'table':
      drawTable(doc, b);
      return;
  }
}

/** A ruled table; a row that does not fit moves to a new page, which repeats the header. */
function drawTable(doc: Doc, t: Extract<SheetBlock, { type: 'table' }>): void {
  const total = t.columns.reduce((n, c) => n + c.width, 0);
  const widths = t.columns.map((c) => (c.width / total) * usable(doc));
  const rowHeight = (cells: readonly string[]) =>
    Math.max(
      ...widths.map((w, i) => doc.heightOfString(cells[i] ?? '', { width: w - 2 * CELL_PAD })),
      doc.currentLineHeight(),
    ) +
    2 * CELL_PAD;
  const drawRow = (cells: readonly string[], header: boolean) => {
    const h = rowHeight(cells);
    let x = left(doc);
    const y = doc.y;
    if (header) doc.rect(x, y, usable(doc), h).fillColor('#e8e8e8').fill().fillColor('black');
    widths.forEach((w, i) => {
      doc.rect(x, y, w, h).lineWidth(0.5).strokeColor('#555555').stroke();
      doc.text(cells[i] ?? '', x + CELL_PAD, y + CELL_PAD, { width: w - 2 * CELL_PAD });
      x += w;
    });
    doc.x = left(doc);
    doc.y = y + h;
  };
  const header = t.columns.map((c) => c.label);
  if (doc.y + rowHeight(header) * 2 > bottom(doc)) doc.addPage();
  drawRow(header, true);
  for (const row of t.rows) {
    if (doc.y + rowHeight(row) > bottom(doc)) {
      doc.addPage();
      drawRow(header, true);
    }
    drawRow(row, false);
  }
  doc.moveDown(0.5);
}

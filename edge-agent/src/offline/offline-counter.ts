import {
  type BlockReason,
  cleanScan,
  HARD_BLOCKS,
  normalizeScan,
  type OfflineOperation,
  type OfflinePackage,
} from '@bunko/protocols';
import type { OfflineJournal } from './offline-journal.ts';

/** A refusal the bookmobile counter shows; nothing was recorded. */
export type Refusal = { ok: false; code: string; messageJa: string; messageEn: string };
export type Recorded = {
  ok: true;
  operation: OfflineOperation;
  /** for the receipt: the title when the item is in the package */
  title: string | null;
  /** the page sent this operation before (a retry): nothing new was recorded */
  repeated: boolean;
};

/** How many recent operation ids are remembered for the page's retries (beyond the journal's pending ones). */
const REMEMBERED = 1000;

const BLOCK_TEXT: Record<BlockReason, [string, string]> = {
  suspended: ['この利用者は貸出停止中です', 'This patron is suspended'],
  expired: ['利用者カードの有効期限が切れています', 'The card has expired'],
  cardNotActive: ['このカードは紛失・再発行により使えません', 'This card was reported lost or replaced'],
  overdues: [
    '延滞中の資料があります（確認のうえ貸出できます）',
    'The patron has overdue items (staff may lend anyway)',
  ],
};

const refuse = (code: string, messageJa: string, messageEn: string): Refusal => ({
  ok: false,
  code,
  messageJa,
  messageEn,
});

const tokyoDay = (d: Date) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);

const plusDays = (day: string, n: number) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

/**
 * Checkouts and returns at the bookmobile while the core is out of reach: checked against the
 * downloaded package (block list, item list, station visits) and recorded in the journal. Answers
 * only after the journal has the operation on disk.
 */
export type OfflineCheckoutInput = {
  /** the page's id for this operation: a retry with the same id records nothing new */
  id?: string | undefined;
  patronBarcode: string;
  itemBarcode: string;
  locationId?: string | undefined;
  allowOverdues?: boolean | undefined;
};

export class OfflineCounter {
  /** operation id → its answer, for a retry of the same operation from the page */
  private readonly answered = new Map<string, Promise<Refusal | Recorded>>();

  constructor(
    private readonly deps: {
      journal: OfflineJournal;
      pkg: () => OfflinePackage | null;
      now: () => Date;
    },
  ) {}

  /** The station the bookmobile stands at: the one asked for, else today's visit, else the first. */
  station(locationId?: string) {
    const stations = this.deps.pkg()?.stations ?? [];
    const today = tokyoDay(this.deps.now());
    if (locationId) return stations.find((s) => s.locationId === locationId);
    return stations.find((s) => s.visits.includes(today)) ?? stations[0];
  }

  checkout(input: OfflineCheckoutInput): Promise<Refusal | Recorded> {
    return this.once(input.id, () => this.recordCheckout(input));
  }

  return(input: {
    id?: string | undefined;
    itemBarcode: string;
    locationId?: string | undefined;
  }): Promise<Refusal | Recorded> {
    return this.once(input.id, () => this.recordReturn(input));
  }

  /**
   * One answer per operation id: a retry (the page lost the first answer, or sent twice) gets the
   * recorded operation again, marked repeated, and nothing is journalled twice. A refusal recorded
   * nothing, so it is not remembered: trying again decides again.
   */
  private once(
    id: string | undefined,
    record: () => Promise<Refusal | Recorded>,
  ): Promise<Refusal | Recorded> {
    if (!id) return record();
    const earlier = this.answered.get(id);
    if (earlier) return earlier.then((r) => (r.ok ? { ...r, repeated: true } : record()));
    const journalled = this.deps.journal.pending().find((op) => op.id === id);
    if (journalled) {
      const title = this.deps.pkg()?.items[this.canonical(journalled.itemBarcode)]?.[0] ?? null;
      return Promise.resolve({ ok: true, operation: journalled, title, repeated: true });
    }
    const answer = record().then((r) => {
      if (!r.ok) this.answered.delete(id);
      return r;
    });
    this.answered.set(id, answer);
    answer.catch(() => this.answered.delete(id));
    while (this.answered.size > REMEMBERED) this.answered.delete(this.answered.keys().next().value!);
    return answer;
  }

  /** A scan as the core reads it (the library's NW-7 settings); unreadable: as scanned. */
  canonical(raw: string, kind: 'patronCard' | 'itemLabel' = 'itemLabel'): string {
    const r = this.read(raw, kind);
    return r.ok ? r.value : raw;
  }

  private async recordCheckout(input: OfflineCheckoutInput): Promise<Refusal | Recorded> {
    const pkg = this.deps.pkg();
    const card = this.read(input.patronBarcode, 'patronCard');
    if (!card.ok) return card;
    const item = this.read(input.itemBarcode, 'itemLabel');
    if (!item.ok) return item;
    const station = this.station(input.locationId);
    if (!station) return refuse('noStation', '巡回場所が選ばれていません', 'No station selected');
    const flags: string[] = pkg ? [] : ['noPackage'];
    const block = pkg?.blocked[card.value];
    if (block && (HARD_BLOCKS.has(block) || !input.allowOverdues)) {
      const [ja, en] = BLOCK_TEXT[block];
      return refuse(block === 'overdues' ? 'patronHasOverdues' : `patron.${block}`, ja, en);
    }
    if (block === 'overdues') flags.push('overdueWarningOverridden');
    const known = pkg?.items[item.value];
    if (known && !known[1])
      return refuse('itemNotLoanable', 'この資料は貸出できません', 'This item is not for loan');
    if (pkg && !known) flags.push('itemNotInPackage');
    if (this.lentHere(item.value))
      return refuse('itemOnLoan', 'この資料は移動図書館で貸出済みです', 'Already lent at the bookmobile');
    const dueOn = this.dueOn(station.visits, pkg?.loanDays ?? 14);
    const operation = await this.deps.journal.append({
      id: input.id,
      kind: 'checkout',
      locationId: station.locationId,
      itemBarcode: input.itemBarcode.trim(),
      patronBarcode: input.patronBarcode.trim(),
      ...(dueOn ? { dueOn } : {}),
      flags,
    });
    return { ok: true, operation, title: known?.[0] ?? null, repeated: false };
  }

  private async recordReturn(input: {
    id?: string | undefined;
    itemBarcode: string;
    locationId?: string | undefined;
  }): Promise<Refusal | Recorded> {
    const item = this.read(input.itemBarcode, 'itemLabel');
    if (!item.ok) return item;
    const station = this.station(input.locationId);
    if (!station) return refuse('noStation', '巡回場所が選ばれていません', 'No station selected');
    const known = this.deps.pkg()?.items[item.value];
    const operation = await this.deps.journal.append({
      id: input.id,
      kind: 'return',
      locationId: station.locationId,
      itemBarcode: input.itemBarcode.trim(),
      flags: known ? [] : ['itemNotInPackage'],
    });
    return { ok: true, operation, title: known?.[0] ?? null, repeated: false };
  }

  /** The first visit of the station at least `loanDays` ahead (the core's rule for stations). */
  private dueOn(visits: readonly string[], loanDays: number): string | undefined {
    const earliest = plusDays(tokyoDay(this.deps.now()), loanDays);
    return [...visits].sort().find((v) => v >= earliest);
  }

  /** Lent in this offline session and not returned since. */
  private lentHere(canonical: string): boolean {
    let lent = false;
    for (const op of this.deps.journal.pending()) {
      const r = this.read(op.itemBarcode, 'itemLabel');
      if (r.ok && r.value === canonical) lent = op.kind === 'checkout';
    }
    return lent;
  }

  /** A scan read through the library's NW-7 settings, as the core would read it. */
  private read(raw: string, kind: 'patronCard' | 'itemLabel'): { ok: true; value: string } | Refusal {
    const settings = this.deps.pkg()?.barcodes;
    const text = cleanScan(raw);
    if (!text) return refuse('validation', 'バーコードが空です', 'The barcode is empty');
    if (!settings) return { ok: true, value: text };
    const r = normalizeScan(text, settings[kind]);
    return r.ok ? r : refuse('badScan', r.messageJa, r.messageEn);
  }
}

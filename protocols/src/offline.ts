import { z } from 'zod';
import { BarcodeSettings } from './barcodes/settings.ts';

/**
 * Offline circulation at the bookmobile (移動図書館). While the core is reachable the bookmobile's
 * agent downloads an `OfflinePackage`; while it is not, checkouts and returns are checked against
 * that package and journalled on the laptop; when the link returns each journalled operation is
 * replayed to the core exactly once, in time order (see docs/architecture.md, "Offline bookmobile").
 */

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Why a card is on the block list. Card barcodes only: no names, no patron ids. */
export const BlockReason = z.enum(['suspended', 'expired', 'cardNotActive', 'overdues']);
export type BlockReason = z.infer<typeof BlockReason>;

/** Reasons the bookmobile refuses outright; `overdues` only warns (staff may lend anyway). */
export const HARD_BLOCKS: ReadonlySet<BlockReason> = new Set(['suspended', 'expired', 'cardNotActive']);

export const OfflineStation = z.object({
  locationId: z.uuid(),
  code: z.string(),
  nameJa: z.string(),
  /** visit days from the package date on: a loan made at a station is due on one of them */
  visits: z.array(Day),
});
export type OfflineStation = z.infer<typeof OfflineStation>;

export const OfflinePackage = z.object({
  /** changes whenever the content does; the agent keeps the newest */
  version: z.string().min(1).max(80),
  generatedAt: z.iso.datetime({ offset: true }),
  bookmobileId: z.uuid(),
  /** the library's NW-7 settings, so the laptop reads cards and labels as the core does */
  barcodes: BarcodeSettings.nullable(),
  /** the shortest loan period of the bookmobile's rules: the local due date is the first visit after it */
  loanDays: z.number().int().min(0).max(366),
  stations: z.array(OfflineStation),
  /** canonical card barcode → reason */
  blocked: z.record(z.string(), BlockReason),
  /** canonical item barcode → [title, loanable] (a tuple keeps a few thousand items small) */
  items: z.record(z.string(), z.tuple([z.string(), z.boolean()])),
});
export type OfflinePackage = z.infer<typeof OfflinePackage>;

/** One checkout or return made while the core could not be reached. */
export const OfflineOperation = z.object({
  /** the operation id, also the checkout's idempotency key */
  id: z.uuid(),
  /** grows by one per operation on this agent; the replay cursor */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** one day's operations at the bookmobile (Japan time) form one offline session */
  sessionId: z.uuid(),
  kind: z.enum(['checkout', 'return']),
  at: z.iso.datetime({ offset: true }),
  /** the station (location id) the bookmobile stood at */
  locationId: z.uuid(),
  /** as scanned; the core reads it through the library's NW-7 settings */
  itemBarcode: z.string().min(1).max(64),
  patronBarcode: z.string().min(1).max(64).optional(),
  /** the due date printed for the patron; the replayed loan keeps it */
  dueOn: Day.optional(),
  /** what the laptop noticed: e.g. `itemNotInPackage`, `overdueWarningOverridden` */
  flags: z.array(z.string().max(40)).max(10).default([]),
});
export type OfflineOperation = z.infer<typeof OfflineOperation>;

/** How the core settled one operation. `applied` may still carry conflicts for staff. */
export const OfflineOutcome = z.enum(['applied', 'noop', 'notApplied']);
export type OfflineOutcome = z.infer<typeof OfflineOutcome>;

export const OfflineResult = z.object({
  id: z.uuid(),
  seq: z.number().int(),
  outcome: OfflineOutcome,
  conflicts: z.array(z.string()),
  notes: z.array(z.string()),
  /** true when this operation had been replayed before: nothing changed this time */
  repeated: z.boolean(),
});
export type OfflineResult = z.infer<typeof OfflineResult>;

/** agent → core on the agent's `offline` topic. */
export const OfflineUp = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('packageRequest'),
    requestId: z.string().min(1).max(64),
    bookmobileId: z.uuid(),
    haveVersion: z.string().max(80).optional(),
  }),
  z.object({
    type: z.literal('replay'),
    requestId: z.string().min(1).max(64),
    /** the agent's clock when sending: lets the core notice a laptop clock far off */
    sentAt: z.iso.datetime({ offset: true }),
    ops: z.array(OfflineOperation).min(1).max(200),
  }),
]);
export type OfflineUp = z.input<typeof OfflineUp>;

/** core → agent on the agent's `offlineReply` topic (a package reply is sent gzip-compressed). */
export const OfflineDown = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('package'),
    requestId: z.string(),
    /** null: the agent's version is current */
    package: OfflinePackage.nullable(),
  }),
  z.object({ type: z.literal('replayResult'), requestId: z.string(), results: z.array(OfflineResult) }),
  z.object({ type: z.literal('error'), requestId: z.string(), code: z.string(), message: z.string() }),
]);
export type OfflineDown = z.infer<typeof OfflineDown>;

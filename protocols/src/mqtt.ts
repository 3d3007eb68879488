import { z } from 'zod';
import { PrintDocument } from './document-schema.ts';
import { SheetDocument } from './sheet-schema.ts';

/**
 * MQTT topics. Everything an agent touches lives under its own prefix
 * `bunko/v1/<tenantId>/agents/<agentId>/`; the core announces itself on `bunko/v1/<tenantId>/core`.
 * aedes speaks MQTT 3.1.1, so requests and responses are paired by a transaction id in the payload.
 */
export const TOPIC_ROOT = 'bunko/v1';

export const topics = {
  agentPrefix: (tenantId: string, agentId: string) => `${TOPIC_ROOT}/${tenantId}/agents/${agentId}`,
  /** retained; last-will sets it offline */
  state: (t: string, a: string) => `${topics.agentPrefix(t, a)}/state`,
  /** retained: version, host, config hash, devices */
  info: (t: string, a: string) => `${topics.agentPrefix(t, a)}/info`,
  /** core → agent */
  request: (t: string, a: string) => `${topics.agentPrefix(t, a)}/request`,
  /** agent → core */
  response: (t: string, a: string) => `${topics.agentPrefix(t, a)}/response`,
  /** agent → core: scans, docking, printer status */
  event: (t: string, a: string) => `${topics.agentPrefix(t, a)}/event`,
  /** retained core birth; agents re-announce when it changes */
  core: (t: string) => `${TOPIC_ROOT}/${t}/core`,
  /** the core's wildcard subscriptions */
  allAgents: (suffix: 'state' | 'info' | 'response' | 'event') => `${TOPIC_ROOT}/+/agents/+/${suffix}`,
};

/** Parse `bunko/v1/<tenant>/agents/<agent>/<kind>`; null when the topic is not an agent topic. */
export function parseAgentTopic(topic: string): { tenantId: string; agentId: string; kind: string } | null {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[3] !== 'agents') return null;
  const [, , tenantId, , agentId, kind] = parts;
  if (!tenantId || !agentId || !kind) return null;
  return { tenantId, agentId, kind };
}

export const AgentState = z.object({
  status: z.enum(['online', 'offline']),
  at: z.string(),
});
export type AgentState = z.infer<typeof AgentState>;

export const DeviceInfo = z.object({
  id: z.string().min(1).max(64),
  kind: z.enum(['receiptPrinter', 'labelPrinter', 'colorPrinter', 'barcodeReader', 'handheld', 'kiosk']),
  profile: z.string().min(1).max(100),
  transport: z.string().min(1).max(40),
  status: z.enum(['ok', 'error', 'offline', 'paperEnd', 'coverOpen']),
  detail: z.string().max(200).optional(),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

export const AgentInfo = z.object({
  version: z.string().max(40),
  host: z.string().max(200),
  platform: z.string().max(40),
  configHash: z.string().max(128),
  startedAt: z.string(),
  devices: z.array(DeviceInfo).max(200),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

export const CoreBirth = z.object({
  status: z.enum(['online', 'offline']),
  at: z.string(),
  bootId: z.string(),
});
export type CoreBirth = z.infer<typeof CoreBirth>;

/** Plain lines, wrapped to the printer's columns as they are (test prints, diagnostics). */
export const TextDocument = z.object({
  kind: z.literal('text'),
  lines: z.array(z.string().max(200)).max(500),
});
export type TextDocument = z.input<typeof TextDocument>;

/**
 * What a print request carries: plain lines, a device-independent `PrintDocument` (receipts, slips,
 * labels; see documents.ts) or a page `SheetDocument` (letters, lists; see sheets.ts).
 */
export const PrintJobDocument = z.discriminatedUnion('kind', [TextDocument, PrintDocument, SheetDocument]);
export type PrintJobDocument = z.input<typeof PrintJobDocument>;

export const PrintTestRequest = z.object({ deviceId: z.string().min(1), text: z.string().max(2000) });

/** What the core did with a stock-take batch: counted now, counted before, or nowhere to count it yet. */
export const StocktakeAckStatus = z.enum(['stored', 'duplicate', 'noOpenSession', 'rejected']);
export type StocktakeAckStatus = z.infer<typeof StocktakeAckStatus>;

/** core → agent. `transaction` is echoed in the response. */
export const AgentRequest = z.discriminatedUnion('action', [
  z.object({ transaction: z.string().min(1).max(64), action: z.literal('ping'), sentAt: z.string() }),
  z.object({
    transaction: z.string().min(1).max(64),
    action: z.literal('print'),
    jobId: z.string().min(1).max(64),
    deviceId: z.string().min(1).max(64),
    /** the job must not print after this time: a stale job expires instead */
    notAfter: z.string(),
    document: PrintJobDocument,
  }),
  z.object({
    transaction: z.string().min(1).max(64),
    action: z.literal('stocktakeAck'),
    batchId: z.string().regex(/^[0-9a-f]{64}$/),
    status: StocktakeAckStatus,
    /** why a batch was rejected, for the agent's log */
    reason: z.string().max(200).optional(),
  }),
  z.object({
    transaction: z.string().min(1).max(64),
    action: z.literal('configure'),
    /**
     * The agent's whole new config file (see edge-agent/src/config.ts). The agent validates it with
     * its own schema; `mqtt.password` may be left out (the core never holds it) and the agent keeps
     * its own. Tenant and agent id cannot change. Valid: written atomically, then applied by a restart.
     */
    config: z.record(z.string(), z.unknown()),
  }),
  z.object({
    transaction: z.string().min(1).max(64),
    action: z.literal('restart'),
    /** why, for the agent's log (never personal data) */
    reason: z.string().max(200).optional(),
  }),
]);
/**
 * A request as it is sent: a document's block defaults (align, size, bold, cut) may be left out, so
 * `checkoutReceipt(...)` can be sent as it is. A parsed request (defaults filled in) is also one.
 */
export type AgentRequest = z.input<typeof AgentRequest>;

export const AgentResponse = z.object({
  transaction: z.string().min(1).max(64),
  ok: z.boolean(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type AgentResponse = z.infer<typeof AgentResponse>;

/** What a reader reported it read, where it says (AIM identifier, serial reader settings). */
export const ScanSymbology = z.enum(['nw7', 'jan13', 'jan8', 'code39', 'code128', 'itf', 'qr', 'other']);
export type ScanSymbology = z.infer<typeof ScanSymbology>;

/**
 * agent → core on the agent's `event` topic: one barcode read by one of its readers. Sent at least
 * once: `seq` grows per agent (also across agent restarts), so the core drops a redelivered copy.
 * `data` is the reader's text as sent (NW-7 start/stop and check digit included when the reader
 * sends them); the core reads it through the library's NW-7 settings like a typed scan.
 */
export const ScanEvent = z.object({
  type: z.literal('scan'),
  deviceId: DeviceInfo.shape.id,
  data: z
    .string()
    .min(1)
    .max(256)
    .refine((s) => [...s].every((ch) => ch >= ' ' && ch !== '\x7f'), 'control characters are not scan data'),
  symbology: ScanSymbology.optional(),
  at: z.iso.datetime({ offset: true }),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});
export type ScanEvent = z.infer<typeof ScanEvent>;

/** One scan of a stock-take (蔵書点検) batch, as the handheld recorded it. */
export const StocktakeScan = z.object({
  /** the label as read (NW-7 start/stop and check digit as the terminal sends them) */
  barcode: z
    .string()
    .min(1)
    .max(64)
    .refine((s) => [...s].every((ch) => ch >= ' ' && ch !== '\x7f'), 'control characters are not scan data'),
  /** the shelf/range label scanned before it ('' when the terminal has none) */
  shelfTag: z.string().max(64),
  scannedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type StocktakeScan = z.infer<typeof StocktakeScan>;

/** The most scans one batch may carry (a handheld holds a few ten thousand). */
export const STOCKTAKE_BATCH_MAX = 200_000;

/**
 * agent → core on the agent's `event` topic: what one docking of a handheld delivered (one file
 * from a drop folder, or one serial transfer). `batchId` is the SHA-256 of the normalised content
 * (see `stocktake-hash.ts`), so docking the same data again never counts it twice; the core
 * answers with a `stocktakeAck` request carrying the batch id. Sent again until acknowledged.
 */
export const StocktakeBatchEvent = z.object({
  type: z.literal('stocktakeBatch'),
  batchId: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex'),
  deviceId: DeviceInfo.shape.id,
  terminalId: z.string().max(64),
  /** the file name, or `serial` */
  source: z.string().min(1).max(255),
  collectedAt: z.iso.datetime({ offset: true }),
  scans: z.array(StocktakeScan).max(STOCKTAKE_BATCH_MAX),
  /** lines the agent could not read, by line number (never their content) */
  rejectedLines: z.array(z.object({ line: z.number().int().min(1), reason: z.string().max(200) })).max(1000),
  rejectedCount: z.number().int().min(0),
});
export type StocktakeBatchEvent = z.infer<typeof StocktakeBatchEvent>;

/** Everything an agent may publish on its `event` topic (printer status to come). */
export const AgentEvent = z.discriminatedUnion('type', [ScanEvent, StocktakeBatchEvent]);
export type AgentEvent = z.infer<typeof AgentEvent>;

/**
 * Offline bookmobile circulation (see offline.ts): the agent asks for its offline package and
 * replays journalled operations on `offline`; the core answers on `offlineReply`.
 */
export const offlineTopics = {
  /** agent → core */
  up: (t: string, a: string) => `${topics.agentPrefix(t, a)}/offline`,
  /** core → agent */
  down: (t: string, a: string) => `${topics.agentPrefix(t, a)}/offlineReply`,
  /** the core's wildcard subscription */
  allUp: () => `${TOPIC_ROOT}/+/agents/+/offline`,
};
/** Where a print job is, as the core shows it: `queued` (at the core, or in a page printer's queue), `printing`, and the three ends. */
export const PrintJobState = z.enum(['queued', 'printing', 'done', 'failed', 'expired']);
export type PrintJobState = z.infer<typeof PrintJobState>;

/**
 * agent → core on the agent's `event` topic: a print job moved (the agent started it, the page
 * printer queued or printed it, it ended). Sent at QoS 1 and idempotent: the core never moves a job
 * back from an end state. The print response carries the end state too.
 */
export const PrintJobEvent = z.object({
  type: z.literal('job'),
  jobId: z.string().min(1).max(64),
  deviceId: DeviceInfo.shape.id,
  state: PrintJobState,
  /** why it waits or failed (e.g. media-empty, printerNotReady: cover open); never personal data */
  reason: z.string().max(300).optional(),
  at: z.iso.datetime({ offset: true }),
});
export type PrintJobEvent = z.infer<typeof PrintJobEvent>;

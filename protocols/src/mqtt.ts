import { z } from 'zod';
import { PrintDocument } from './document-schema.ts';

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

/** What a print request carries: plain lines, or a device-independent `PrintDocument` (see documents.ts). */
export const PrintJobDocument = z.discriminatedUnion('kind', [TextDocument, PrintDocument]);
export type PrintJobDocument = z.input<typeof PrintJobDocument>;

export const PrintTestRequest = z.object({ deviceId: z.string().min(1), text: z.string().max(2000) });

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

/** Everything an agent may publish on its `event` topic (docking and printer status to come). */
export const AgentEvent = z.discriminatedUnion('type', [ScanEvent]);
export type AgentEvent = z.infer<typeof AgentEvent>;

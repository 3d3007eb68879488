import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DeviceProfile, getProfile, issuePath } from '@bunko/firmware-config';
import { DeviceInfo } from '@bunko/protocols';
import { MqttTlsFileError, MqttTlsFiles, readMqttTls } from '@bunko/protocols/mqtt-link';
import { z } from 'zod';
import { type ProfileLookup, profileLookup } from './local-profiles.ts';

export const VirtualTransport = z.object({
  type: z.literal('virtual'),
  /** printers: where job files go; default `<dataDir>/prints/<device id>` */
  dir: z.string().min(1).optional(),
  /** readers: each line appended to this file is one scan; default `<dataDir>/virtual-scans/<device id>.txt` */
  inbox: z.string().min(1).optional(),
});

/** A reader on a serial line (RS-232, or USB-CDC: /dev/ttyACM0, /dev/ttyUSB0, COM3). */
export const SerialTransport = z.object({
  type: z.literal('serial'),
  path: z.string().min(1).max(200),
  baudRate: z.number().int().min(300).max(921_600).default(9600),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  /** what the reader sends after each barcode */
  suffix: z.enum(['cr', 'lf', 'crlf']).default('cr'),
  /** printers: ask DLE EOT real-time status before each job and every `statusIntervalMs` */
  status: z.boolean().default(false),
});

/** A USB printer-class device (Linux usblp), written to and read from as a file. */
export const UsbTransport = z.object({
  type: z.literal('usb'),
  /** e.g. /dev/usb/lp0 */
  path: z.string().min(1).max(200),
  /** ask DLE EOT real-time status (bidirectional printers answer on the same device) */
  status: z.boolean().default(false),
});

/** A page printer (or a CUPS queue) over IPP: ipp://host:631/printers/NAME, ipps://…, http(s)://… */
export const IppTransport = z.object({
  type: z.literal('ipp'),
  url: z.string().regex(/^(ipps?|https?):\/\/[^/]/, 'must be an ipp://, ipps://, http:// or https:// URL'),
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /** follow a job at the printer this long before answering with its state so far */
  completionTimeoutMs: z.number().int().min(0).max(3_600_000).default(120_000),
  pollMs: z.number().int().min(50).max(60_000).default(1000),
  /** requesting-user-name sent with each job */
  userName: z.string().min(1).max(100).default('bunko'),
});

/** A USB HID Point-of-Sale reader (usage page 0x8C): picked by path, or by vendor/product id. */
export const HidPosTransport = z.object({
  type: z.literal('hidPos'),
  path: z.string().min(1).max(300).optional(),
  vendorId: z.number().int().min(0).max(0xffff).optional(),
  productId: z.number().int().min(0).max(0xffff).optional(),
});

export const Tcp9100Transport = z.object({
  type: z.literal('tcp9100'),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(9100),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** ask DLE EOT real-time status (on a short connection of its own) before each job and every `statusIntervalMs` */
  status: z.boolean().default(false),
});

/** A handheld terminal's drop folder (mass-storage docking, or its transfer utility's output folder). */
export const DropFolderTransport = z.object({
  type: z.literal('dropFolder'),
  /** relative paths are relative to the config file */
  path: z.string().min(1).max(500),
  /** a file is taken once its size has not changed for this long */
  settleMs: z.number().int().min(100).max(120_000).default(2000),
});

export const DeviceConfig = z.object({
  id: DeviceInfo.shape.id,
  kind: DeviceInfo.shape.kind,
  /** a profile id from firmware-config */
  profile: z.string().min(1).max(100),
  transport: z.discriminatedUnion('type', [
    VirtualTransport,
    Tcp9100Transport,
    SerialTransport,
    HidPosTransport,
    UsbTransport,
    IppTransport,
    DropFolderTransport,
  ]),
  /** printers whose transport reports status are asked this often (0: only around jobs) */
  statusIntervalMs: z.number().int().min(0).max(3_600_000).default(30_000),
});
export type DeviceConfig = z.infer<typeof DeviceConfig>;

export const OfflineConfig = z.object({
  /** the bookmobile (location id) this laptop serves; the agent must be registered at it */
  bookmobileId: z.uuid(),
  /** the local counter page listens on loopback only */
  host: z.enum(['127.0.0.1', 'localhost']).default('127.0.0.1'),
  /** 0 lets the OS choose; the address is written to `<dataDir>/offline/local-url.txt` */
  port: z.number().int().min(0).max(65535).default(8765),
  packageIntervalMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** the device (id) that prints offline loan and return receipts; default: the first receipt printer */
  receiptPrinter: DeviceInfo.shape.id.optional(),
});

export const AgentConfig = z
  .object({
    tenantId: z.uuid(),
    agentId: z.uuid(),
    mqtt: z.object({
      url: z.string().regex(/^(mqtts?|wss?):\/\/[^/]/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
      username: z.string().min(1),
      /** may be left out when the broker logs the agent in by its client certificate */
      password: z.string().min(1).optional(),
      keepaliveSeconds: z.number().int().min(5).max(600).default(30),
      /** the first retry after a failed or lost connection; each next one waits twice as long … */
      reconnectMs: z.number().int().min(100).max(60_000).default(2000),
      /** … up to this */
      reconnectMaxMs: z.number().int().min(100).max(600_000).default(60_000),
      /** `mqtts://` / `wss://`: the broker's CA, and a client certificate and key (PEM files) */
      tls: MqttTlsFiles.optional(),
    }),
    /** the print journal lives here; relative paths are relative to the config file */
    dataDir: z.string().min(1),
    devices: z.array(DeviceConfig).max(200).default([]),
    /** the bookmobile laptop: offline circulation while the core cannot be reached (see src/offline/) */
    offline: OfflineConfig.optional(),
    /** the Japanese font embedded in PDFs (a .ttc needs `family`, its PostScript name); default: found on this machine */
    pdfFont: z.object({ path: z.string().min(1), family: z.string().min(1).optional() }).optional(),
    /**
     * Device profiles the shipped firmware-config does not have (the same schema), usually pushed by
     * IT with a config: the agent stores them in `<dataDir>/device-profiles/` (see local-profiles.ts).
     */
    profiles: z.array(DeviceProfile).max(100).optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.mqtt.password && !c.mqtt.tls?.cert)
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'password'],
        message: 'required unless the agent logs in with a client certificate (mqtt.tls.cert)',
      });
    const seen = new Set<string>();
    c.devices.forEach((d, i) => {
      if (seen.has(d.id))
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate id "${d.id}"` });
      seen.add(d.id);
    });
    const receipts = c.offline?.receiptPrinter;
    if (receipts && c.devices.find((d) => d.id === receipts)?.kind !== 'receiptPrinter')
      ctx.addIssue({
        code: 'custom',
        path: ['offline', 'receiptPrinter'],
        message: `"${receipts}" is not a receipt printer of this agent`,
      });
  });
export type AgentConfig = z.infer<typeof AgentConfig>;

/** A config that cannot be used; the message names every bad field. */
export class AgentConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: { path: string; message: string }[],
  ) {
    const only = issues.length === 1 && !issues[0]!.path ? issues[0]!.message : undefined;
    super(
      only
        ? `agent config ${file}: ${only}`
        : `agent config ${file} is not valid:\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
    );
    this.name = 'AgentConfigError';
  }
}

/** The transports the agent has drivers for, per device kind (kinds not listed have none yet). */
const TRANSPORTS_BY_KIND: Partial<
  Record<DeviceConfig['kind'], readonly DeviceConfig['transport']['type'][]>
> = {
  receiptPrinter: ['virtual', 'tcp9100', 'serial', 'usb'],
  labelPrinter: ['virtual', 'tcp9100', 'serial', 'usb'],
  colorPrinter: ['virtual', 'ipp'],
  barcodeReader: ['virtual', 'serial', 'hidPos'],
  handheld: ['dropFolder', 'serial'],
};

/** Environment variables that override the config's TLS files (paths relative to the working directory). */
export const TLS_ENV = {
  ca: 'BUNKO_AGENT_MQTT_CA',
  cert: 'BUNKO_AGENT_MQTT_CERT',
  key: 'BUNKO_AGENT_MQTT_KEY',
} as const;

/**
 * Environment variables that override single config fields (e.g. a password kept out of the file,
 * set by the service manager). BUNKO_AGENT_DATA_DIR is relative to the working directory.
 */
export const FIELD_ENV = {
  'mqtt.url': 'BUNKO_AGENT_MQTT_URL',
  'mqtt.password': 'BUNKO_AGENT_MQTT_PASSWORD',
  dataDir: 'BUNKO_AGENT_DATA_DIR',
  agentId: 'BUNKO_AGENT_ID',
} as const;

type Issue = { path: string; message: string };

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The raw config with the set FIELD_ENV variables in place, and which paths came from which variable. */
function withFieldEnv(raw: unknown, env: NodeJS.ProcessEnv | undefined) {
  const from = new Map<string, string>();
  if (!env || !isRecord(raw)) return { raw, from };
  const out: Record<string, unknown> = { ...raw };
  const mqtt: Record<string, unknown> = isRecord(raw.mqtt) ? { ...raw.mqtt } : {};
  for (const [path, name] of Object.entries(FIELD_ENV)) {
    const value = env[name];
    if (!value) continue;
    from.set(path, name);
    if (path === 'mqtt.url') mqtt.url = value;
    else if (path === 'mqtt.password') mqtt.password = value;
    else if (path === 'dataDir') out.dataDir = resolve(value);
    else out.agentId = value;
  }
  if (from.has('mqtt.url') || from.has('mqtt.password')) out.mqtt = mqtt;
  return { raw: out, from };
}

/**
 * Parse a config object: schema, then each device's profile must exist and be of the device's kind.
 * Relative paths are resolved against `baseDir`. With `env`, the FIELD_ENV variables replace their
 * fields before validation (an error names the variable), and BUNKO_AGENT_MQTT_CA / _CERT / _KEY
 * replace the config's TLS files; the TLS files are then read and checked.
 */
export function parseAgentConfig(
  fileRaw: unknown,
  opts: { file: string; baseDir: string; profiles?: ProfileLookup; env?: NodeJS.ProcessEnv },
): AgentConfig {
  const { raw, from } = withFieldEnv(fileRaw, opts.env);
  const parsed = AgentConfig.safeParse(raw);
  if (!parsed.success) {
    throw new AgentConfigError(
      opts.file,
      parsed.error.issues.map((i) => {
        const path = issuePath(i.path);
        return { path: from.get(path) ?? path, message: i.message };
      }),
    );
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(opts.baseDir, p));
  const dataDir = abs(parsed.data.dataDir);
  const issues: Issue[] = [];
  const inline = parsed.data.profiles ?? [];
  const inlineIds = new Set<string>();
  inline.forEach((p, i) => {
    if (getProfile(p.id))
      issues.push({
        path: `profiles[${i}].id`,
        message: `"${p.id}" is a profile shipped with the agent; give yours another id`,
      });
    else if (inlineIds.has(p.id))
      issues.push({ path: `profiles[${i}].id`, message: `duplicate id "${p.id}"` });
    inlineIds.add(p.id);
  });
  const lookup = opts.profiles ?? profileLookup(dataDir, inline);
  parsed.data.devices.forEach((d, i) => {
    let profile: DeviceProfile | undefined;
    try {
      profile = lookup(d.profile);
    } catch (err) {
      issues.push({ path: `devices[${i}].profile`, message: (err as Error).message });
      return;
    }
    if (!profile) issues.push({ path: `devices[${i}].profile`, message: `unknown profile "${d.profile}"` });
    else if (profile.kind !== d.kind)
      issues.push({
        path: `devices[${i}].kind`,
        message: `profile "${d.profile}" is a ${profile.kind}, not a ${d.kind}`,
      });
    else if (!TRANSPORTS_BY_KIND[d.kind]?.includes(d.transport.type))
      issues.push({
        path: `devices[${i}].transport.type`,
        message: `the agent drives a ${d.kind} over ${TRANSPORTS_BY_KIND[d.kind]?.join(', ') || 'no transport yet'}, not ${d.transport.type}`,
      });
    else if (profile.kind === 'handheld' && profile.transfer.mode !== d.transport.type)
      issues.push({
        path: `devices[${i}].transport.type`,
        message: `profile "${d.profile}" transfers over ${profile.transfer.mode}, not ${d.transport.type}`,
      });
  });
  const tls = mqttTls(parsed.data.mqtt.tls, abs, opts.env, issues);
  if (issues.length > 0) throw new AgentConfigError(opts.file, issues);
  const { tls: _fileTls, ...mqtt } = parsed.data.mqtt;
  return {
    ...parsed.data,
    mqtt: tls ? { ...mqtt, tls } : mqtt,
    dataDir,
    devices: parsed.data.devices.map((d) => {
      if (d.transport.type === 'dropFolder')
        return { ...d, transport: { ...d.transport, path: abs(d.transport.path) } };
      if (d.transport.type !== 'virtual') return d;
      if (d.kind === 'barcodeReader') {
        const inbox = d.transport.inbox
          ? abs(d.transport.inbox)
          : join(dataDir, 'virtual-scans', `${d.id}.txt`);
        return { ...d, transport: { ...d.transport, inbox } };
      }
      return {
        ...d,
        transport: {
          ...d.transport,
          dir: d.transport.dir ? abs(d.transport.dir) : join(dataDir, 'prints', d.id),
        },
      };
    }),
  };
}

/** The TLS files with env overrides, resolved and checked (readable PEM, key matching the certificate). */
function mqttTls(
  fromFile: MqttTlsFiles | undefined,
  abs: (p: string) => string,
  env: NodeJS.ProcessEnv | undefined,
  issues: Issue[],
): MqttTlsFiles | undefined {
  const tls: MqttTlsFiles = { ...fromFile };
  const where: Record<string, string> = {};
  for (const field of ['ca', 'cert', 'key'] as const) {
    const fromEnv = env?.[TLS_ENV[field]];
    if (fromEnv) {
      tls[field] = resolve(fromEnv);
      where[field] = TLS_ENV[field];
    } else if (tls[field]) tls[field] = abs(tls[field]);
  }
  if (!tls.ca && !tls.cert && !tls.key && !tls.servername) return undefined;
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    issues.push({ path: 'mqtt.tls', message: 'cert and key go together' });
    return undefined;
  }
  try {
    readMqttTls(tls);
  } catch (err) {
    if (!(err instanceof MqttTlsFileError)) throw err;
    const field = err.field || 'key';
    const path = where[field] ?? `mqtt.tls.${field}`;
    issues.push({
      path,
      message: err.field ? err.message : `${err.message} (does it belong to the certificate?)`,
    });
  }
  return tls;
}

/** Read and validate the agent's JSON config file. */
export function loadAgentConfig(
  path: string,
  opts: { profiles?: ProfileLookup; env?: NodeJS.ProcessEnv } = {},
): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AgentConfigError(path, [
      { path: '', message: `cannot read (${(err as NodeJS.ErrnoException).code ?? err})` },
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError(path, [{ path: '', message: `not valid JSON (${(err as Error).message})` }]);
  }
  return parseAgentConfig(raw, { file: path, baseDir: dirname(resolve(path)), ...opts });
}

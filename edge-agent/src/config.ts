import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type DeviceProfile, getProfile, issuePath } from '@bunko/firmware-config';
import { DeviceInfo } from '@bunko/protocols';
import { z } from 'zod';

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
  ]),
});
export type DeviceConfig = z.infer<typeof DeviceConfig>;

export const AgentConfig = z
  .object({
    tenantId: z.uuid(),
    agentId: z.uuid(),
    mqtt: z.object({
      url: z.string().regex(/^(mqtts?|wss?):\/\/[^/]/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
      username: z.string().min(1),
      password: z.string().min(1),
      keepaliveSeconds: z.number().int().min(5).max(600).default(30),
      reconnectMs: z.number().int().min(100).max(60_000).default(2000),
    }),
    /** the print journal lives here; relative paths are relative to the config file */
    dataDir: z.string().min(1),
    devices: z.array(DeviceConfig).max(200).default([]),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.devices.forEach((d, i) => {
      if (seen.has(d.id))
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate id "${d.id}"` });
      seen.add(d.id);
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
  receiptPrinter: ['virtual', 'tcp9100'],
  labelPrinter: ['virtual', 'tcp9100'],
  barcodeReader: ['virtual', 'serial', 'hidPos'],
};

type ProfileLookup = (id: string) => DeviceProfile | undefined;

/**
 * Parse a config object: schema, then each device's profile must exist and be of the device's kind.
 * Relative paths are resolved against `baseDir`.
 */
export function parseAgentConfig(
  raw: unknown,
  opts: { file: string; baseDir: string; profiles?: ProfileLookup },
): AgentConfig {
  const parsed = AgentConfig.safeParse(raw);
  if (!parsed.success) {
    throw new AgentConfigError(
      opts.file,
      parsed.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message })),
    );
  }
  const lookup = opts.profiles ?? getProfile;
  const issues: { path: string; message: string }[] = [];
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
  });
  if (issues.length > 0) throw new AgentConfigError(opts.file, issues);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(opts.baseDir, p));
  const dataDir = abs(parsed.data.dataDir);
  return {
    ...parsed.data,
    dataDir,
    devices: parsed.data.devices.map((d) => {
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

/** Read and validate the agent's JSON config file. */
export function loadAgentConfig(path: string, profiles?: ProfileLookup): AgentConfig {
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
  return parseAgentConfig(raw, {
    file: path,
    baseDir: dirname(resolve(path)),
    ...(profiles ? { profiles } : {}),
  });
}

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type DeviceProfile, getProfile, issuePath } from '@bunko/firmware-config';
import { DeviceInfo } from '@bunko/protocols';
import { z } from 'zod';

export const VirtualTransport = z.object({
  type: z.literal('virtual'),
  /** where job files go; default `<dataDir>/prints/<device id>` */
  dir: z.string().min(1).optional(),
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
  transport: z.discriminatedUnion('type', [VirtualTransport, Tcp9100Transport]),
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
  });
  if (issues.length > 0) throw new AgentConfigError(opts.file, issues);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(opts.baseDir, p));
  const dataDir = abs(parsed.data.dataDir);
  return {
    ...parsed.data,
    dataDir,
    devices: parsed.data.devices.map((d) =>
      d.transport.type === 'virtual'
        ? {
            ...d,
            transport: {
              ...d.transport,
              dir: d.transport.dir ? abs(d.transport.dir) : join(dataDir, 'prints', d.id),
            },
          }
        : d,
    ),
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

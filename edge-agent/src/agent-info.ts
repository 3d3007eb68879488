import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AgentInfo, DeviceInfo } from '@bunko/protocols';
import type { AgentConfig } from './config.ts';
import type { ProfileLookup } from './local-profiles.ts';

export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * A digest of the config without its secret, and of the profiles its devices use (wherever they are
 * kept: a pushed profile moves from the config to the data directory, the digest stays the same):
 * the core can tell two agents' configs apart.
 */
export function configHash(config: AgentConfig, profiles: ProfileLookup): string {
  const { password: _secret, ...mqtt } = config.mqtt;
  const { profiles: _inline, ...rest } = config;
  const used = [...new Set(config.devices.map((d) => d.profile))].sort().map((id) => profiles(id) ?? id);
  return createHash('sha256')
    .update(JSON.stringify({ ...rest, mqtt, usedProfiles: used }))
    .digest('hex');
}

export function agentInfo(configHash: string, startedAt: Date, devices: DeviceInfo[]): AgentInfo {
  return {
    version: AGENT_VERSION,
    host: hostname().slice(0, 200),
    platform: `${process.platform}-${process.arch}`.slice(0, 40),
    configHash,
    startedAt: startedAt.toISOString(),
    devices,
  };
}

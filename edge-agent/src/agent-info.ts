import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AgentInfo, DeviceInfo } from '@bunko/protocols';
import type { AgentConfig } from './config.ts';

export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** A digest of the config without its secret: the core can tell two agents' configs apart. */
export function configHash(config: AgentConfig): string {
  const { password: _secret, ...mqtt } = config.mqtt;
  return createHash('sha256')
    .update(JSON.stringify({ ...config, mqtt }))
    .digest('hex');
}

export function agentInfo(config: AgentConfig, startedAt: Date, devices: DeviceInfo[]): AgentInfo {
  return {
    version: AGENT_VERSION,
    host: hostname().slice(0, 200),
    platform: `${process.platform}-${process.arch}`.slice(0, 40),
    configHash: configHash(config),
    startedAt: startedAt.toISOString(),
    devices,
  };
}

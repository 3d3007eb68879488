import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configHash } from './agent-info.ts';
import { type AgentConfig, AgentConfigError, isRecord, parseAgentConfig } from './config.ts';
import { profileLookup, storeProfiles } from './local-profiles.ts';
import { replaceFile } from './offline/replace-file.ts';

/**
 * The exit code of an agent that asks its service manager to start it again (a remote restart, or a
 * pushed config to apply). 75 is EX_TEMPFAIL; the systemd unit (`Restart=on-failure`,
 * `RestartForceExitStatus=75`) and the Windows service wrapper (restart on any failure) both start
 * the agent again on it.
 */
export const AGENT_RESTART_EXIT_CODE = 75;

/** The `mqtt` block of the config file as it is on disk (without the env overrides). */
function mqttOnDisk(file: string): Record<string, unknown> {
  try {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isRecord(raw) && isRecord(raw.mqtt) ? raw.mqtt : {};
  } catch {
    return {};
  }
}

/**
 * A config pushed by the core: validated by the agent's own schema (and its device profiles) as if it
 * were read from `configPath`, then written atomically (temp file, fsync, rename, fsync of the folder)
 * so a power cut leaves either the old file or the new one. Profiles it carries (`profiles`, the
 * firmware-config schema) are stored in `<dataDir>/device-profiles/` first and left out of the file.
 * Throws AgentConfigError (nothing written) when the config is not valid or would change who the
 * agent is.
 */
export async function writePushedConfig(
  current: AgentConfig,
  configPath: string,
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ configHash: string; profiles: string[] }> {
  const file = resolve(configPath);
  // the core never holds the agent's MQTT password nor knows where its certificate lies: a config
  // without them keeps the agent's own
  const own = mqttOnDisk(file);
  const mqtt = raw.mqtt;
  const withSecret = isRecord(mqtt)
    ? {
        ...raw,
        mqtt: {
          ...mqtt,
          ...(!('password' in mqtt) && own.password !== undefined ? { password: own.password } : {}),
          ...(!('tls' in mqtt) && own.tls !== undefined ? { tls: own.tls } : {}),
        },
      }
    : raw;
  const next = parseAgentConfig(withSecret, { file: 'pushed config', baseDir: dirname(file), env });
  const identity = [
    ...(next.tenantId !== current.tenantId ? [{ path: 'tenantId', message: 'cannot change' }] : []),
    ...(next.agentId !== current.agentId ? [{ path: 'agentId', message: 'cannot change' }] : []),
  ];
  if (identity.length > 0) throw new AgentConfigError('pushed config', identity);

  const profiles = next.profiles ?? [];
  const undoProfiles = await storeProfiles(next.dataDir, profiles);
  const { profiles: _stored, ...onDisk } = withSecret;
  try {
    await replaceFile(file, `${JSON.stringify(onDisk, null, 2)}\n`);
  } catch (err) {
    await undoProfiles();
    throw err;
  }
  return {
    configHash: configHash(next, profileLookup(next.dataDir, profiles)),
    profiles: profiles.map((p) => p.id),
  };
}

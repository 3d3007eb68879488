import { parseArgs } from 'node:util';
import pino from 'pino';
import { createAgent } from './agent.ts';
import { AgentConfigError, loadAgentConfig } from './config.ts';
import { AGENT_RESTART_EXIT_CODE } from './remote-config.ts';

/** `node --import tsx edge-agent/src/main.ts --config <file>`; exit 2 on a bad config or argument. */
async function main(): Promise<void> {
  let configPath: string | undefined;
  try {
    configPath = parseArgs({ options: { config: { type: 'string', short: 'c' } } }).values.config;
  } catch (err) {
    usage((err as Error).message);
  }
  configPath ??= process.env.BUNKO_AGENT_CONFIG;
  if (!configPath) usage('--config <file> is required');

  // BUNKO_AGENT_MQTT_URL / _PASSWORD, BUNKO_AGENT_DATA_DIR, BUNKO_AGENT_ID and BUNKO_AGENT_MQTT_CA /
  // _CERT / _KEY override the config's fields (e.g. from a service's environment)
  const config = loadAgentConfig(configPath, { env: process.env });
  const level = process.env.LOG_LEVEL ?? 'info';
  if (!Object.hasOwn(pino.levels.values, level) && level !== 'silent')
    usage(`LOG_LEVEL: unknown level "${level}"`);
  const logger = pino({ level, base: { service: 'bunko-agent', agentId: config.agentId } });
  let stopping = false;
  // a remote restart (or a pushed config) exits with AGENT_RESTART_EXIT_CODE: the service manager
  // (edge-agent/install/: the systemd unit, the Windows service wrapper) starts the agent again,
  // which reads the config file afresh
  const stop = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await agent.stop();
      process.exit(code);
    } catch (err) {
      logger.error({ err }, 'stop failed');
      process.exit(1);
    }
  };
  const agent = createAgent(config, {
    logger,
    configPath,
    onRestart: (reason) => void stop(reason, AGENT_RESTART_EXIT_CODE),
  });
  await agent.start();
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function usage(message: string): never {
  process.stderr.write(`bunko-agent: ${message}\nusage: bunko-agent --config <file>\n`);
  process.exit(2);
}

main().catch((err) => {
  if (err instanceof AgentConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bunko-agent failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

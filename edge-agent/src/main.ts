import { parseArgs } from 'node:util';
import pino from 'pino';
import { createAgent } from './agent.ts';
import { AgentConfigError, loadAgentConfig } from './config.ts';

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

  const config = loadAgentConfig(configPath);
  const level = process.env.LOG_LEVEL ?? 'info';
  if (!Object.hasOwn(pino.levels.values, level) && level !== 'silent')
    usage(`LOG_LEVEL: unknown level "${level}"`);
  const logger = pino({ level, base: { service: 'bunko-agent', agentId: config.agentId } });
  const agent = createAgent(config, { logger });
  await agent.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await agent.stop();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'stop failed');
      process.exit(1);
    }
  };
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

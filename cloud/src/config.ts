import { resolve } from 'node:path';
import { z } from 'zod';

const port = (name: string, def: number) =>
  z.coerce
    .number({ error: `${name} must be a TCP port number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65535, `${name} must be between 0 and 65535`)
    .default(def);

/** Every setting the core reads, with its default. Documented in the README; parsed once at start. */
export const ConfigSchema = z.object({
  PORT: port('PORT', 8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  BUNKO_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  MQTT_PORT: port('MQTT_PORT', 1884),
  MQTT_WS_PORT: port('MQTT_WS_PORT', 8884),
  MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?):\/\//, 'MQTT_URL must start with mqtt://, mqtts://, ws:// or wss://')
    .optional(),
  BUNKO_SECRET: z.string().min(32, 'BUNKO_SECRET must be at least 32 characters').optional(),
  BUNKO_DEMO: z.enum(['auto', 'on', 'off'], { error: 'BUNKO_DEMO must be auto, on or off' }).default('auto'),
  BUNKO_DEMO_AGENT: z.enum(['on', 'off'], { error: 'BUNKO_DEMO_AGENT must be on or off' }).default('on'),
  BUNKO_SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 14)
    .default(10),
  BUNKO_TLS_CERT: z.string().optional(),
  BUNKO_TLS_KEY: z.string().optional(),
  /** bearer token for GET /metrics (Prometheus); unset = the endpoint answers 404 */
  BUNKO_METRICS_TOKEN: z.string().min(16, 'BUNKO_METRICS_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema> & { dataDir: string; secure: boolean };

export class ConfigError extends Error {}

/** Parse the environment once; a bad value is named in the error. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`設定エラー / invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (Boolean(c.BUNKO_TLS_CERT) !== Boolean(c.BUNKO_TLS_KEY)) {
    throw new ConfigError(
      '設定エラー / invalid configuration:\n  BUNKO_TLS_CERT and BUNKO_TLS_KEY must be set together',
    );
  }
  return { ...c, dataDir: resolve(c.BUNKO_DATA_DIR), secure: Boolean(c.BUNKO_TLS_CERT) };
}

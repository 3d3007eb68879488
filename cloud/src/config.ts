import { resolve } from 'node:path';
import { MqttTlsFileError, type MqttTlsFiles, readMqttTls } from '@bunko/protocols/mqtt-link';
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
  /** the embedded broker's mqtts:// listener (server certificate: BUNKO_TLS_CERT / BUNKO_TLS_KEY) */
  MQTT_TLS_PORT: z.coerce
    .number({ error: 'MQTT_TLS_PORT must be a TCP port number' })
    .int('MQTT_TLS_PORT must be a whole number')
    .min(0, 'MQTT_TLS_PORT must be between 0 and 65535')
    .max(65535, 'MQTT_TLS_PORT must be between 0 and 65535')
    .optional(),
  /** with MQTT_TLS_PORT: agents there need a certificate from this CA whose CN is their agent id */
  MQTT_CLIENT_CA_FILE: z.string().min(1).optional(),
  /** login at an external broker (MQTT_URL); the embedded one uses the core's own */
  MQTT_USERNAME: z.string().min(1).max(200).optional(),
  MQTT_PASSWORD: z.string().min(1).max(500).optional(),
  /** mqtts:// or wss:// to an external broker: its CA, and the core's client certificate and key (PEM files) */
  MQTT_CA_FILE: z.string().min(1).optional(),
  MQTT_CERT_FILE: z.string().min(1).optional(),
  MQTT_KEY_FILE: z.string().min(1).optional(),
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
  /** outgoing mail (password reset, notices): smtp://user:pass@host:587 or smtps://…; unset = kept in the outbox */
  BUNKO_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'BUNKO_SMTP_URL must start with smtp:// or smtps://')
    .optional(),
  BUNKO_MAIL_FROM: z.string().min(3).default('Bunko <no-reply@localhost>'),
  /** the address patrons reach the library's pages at, for links in mails (e.g. https://opac.example.jp/) */
  BUNKO_PUBLIC_URL: z.url({ error: 'BUNKO_PUBLIC_URL must be a URL' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** the public OPAC service (no personal data): its port; 'npm start' runs it beside the core */
  BUNKO_PUBLIC_PORT: port('BUNKO_PUBLIC_PORT', 8081),
  /** PostgreSQL login of the public service's own role (SELECT on the catalogue only); the core keeps its grants */
  BUNKO_PUBLIC_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'BUNKO_PUBLIC_DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  /** where a separately run public service reaches the core's patron API */
  BUNKO_CORE_URL: z.url({ error: 'BUNKO_CORE_URL must be a URL such as http://10.0.0.5:8080' }).optional(),
  /** credential the public service presents to the core; derived from the installation secret when unset */
  BUNKO_SERVICE_TOKEN: z.string().min(32, 'BUNKO_SERVICE_TOKEN must be at least 32 characters').optional(),
  /** library code the public OPAC, SRU and OpenSearch serve when a request names none */
  BUNKO_PUBLIC_TENANT: z.string().min(1).max(64).optional(),
});

export type Config = z.infer<typeof ConfigSchema> & {
  dataDir: string;
  secure: boolean;
  /** the TLS files for an external broker, resolved and checked */
  mqttTls?: MqttTlsFiles;
};

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
  const mqttTls = externalBrokerTls(c);
  embeddedBrokerTls(c);
  return {
    ...c,
    dataDir: resolve(c.BUNKO_DATA_DIR),
    secure: Boolean(c.BUNKO_TLS_CERT),
    ...(mqttTls ? { mqttTls } : {}),
  };
}

/** MQTT_TLS_PORT needs the embedded broker and the server certificate; MQTT_CLIENT_CA_FILE needs the port. */
function embeddedBrokerTls(c: z.infer<typeof ConfigSchema>): void {
  const bad = (line: string) => new ConfigError(`設定エラー / invalid configuration:\n  ${line}`);
  if (c.MQTT_CLIENT_CA_FILE && c.MQTT_TLS_PORT === undefined)
    throw bad('MQTT_CLIENT_CA_FILE is for the TLS listener of the embedded broker (MQTT_TLS_PORT)');
  if (c.MQTT_TLS_PORT === undefined) return;
  if (c.MQTT_URL)
    throw bad('MQTT_TLS_PORT is for the embedded broker; with MQTT_URL the external broker listens');
  if (!c.BUNKO_TLS_CERT)
    throw bad('MQTT_TLS_PORT needs BUNKO_TLS_CERT and BUNKO_TLS_KEY (the server certificate)');
  if (c.MQTT_CLIENT_CA_FILE) {
    try {
      readMqttTls({ ca: resolve(c.MQTT_CLIENT_CA_FILE) });
    } catch (err) {
      if (err instanceof MqttTlsFileError) throw bad(`MQTT_CLIENT_CA_FILE: ${err.message}`);
      throw err;
    }
  }
}

const TLS_VARS = { ca: 'MQTT_CA_FILE', cert: 'MQTT_CERT_FILE', key: 'MQTT_KEY_FILE' } as const;

/** MQTT_CA_FILE / MQTT_CERT_FILE / MQTT_KEY_FILE: only with MQTT_URL, cert and key together, readable PEM. */
function externalBrokerTls(c: z.infer<typeof ConfigSchema>): MqttTlsFiles | undefined {
  const bad = (line: string) => new ConfigError(`設定エラー / invalid configuration:\n  ${line}`);
  const files: MqttTlsFiles = {};
  if (c.MQTT_CA_FILE) files.ca = resolve(c.MQTT_CA_FILE);
  if (c.MQTT_CERT_FILE) files.cert = resolve(c.MQTT_CERT_FILE);
  if (c.MQTT_KEY_FILE) files.key = resolve(c.MQTT_KEY_FILE);
  if (!files.ca && !files.cert && !files.key) return undefined;
  if (!c.MQTT_URL)
    throw bad('MQTT_CA_FILE, MQTT_CERT_FILE and MQTT_KEY_FILE are for an external broker (MQTT_URL)');
  if (Boolean(files.cert) !== Boolean(files.key))
    throw bad('MQTT_CERT_FILE and MQTT_KEY_FILE must be set together');
  try {
    readMqttTls(files);
  } catch (err) {
    if (err instanceof MqttTlsFileError) throw bad(`${TLS_VARS[err.field || 'key']}: ${err.message}`);
    throw err;
  }
  return files;
}

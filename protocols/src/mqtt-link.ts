import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';

/**
 * The MQTT link as the core's bridge and the edge agents both open it (Node only; not exported from
 * the package index): TLS files for `mqtts://` / `wss://` with a client certificate, an explanation
 * of why a connection failed that an administrator can act on, and reconnecting with backoff.
 */

const FilePath = z.string().min(1).max(1000);

/** PEM files for a TLS link; relative paths are resolved by whoever reads the config. */
export const MqttTlsFiles = z
  .object({
    /** the CA that signed the broker's certificate (default: the system's trusted CAs) */
    ca: FilePath.optional(),
    /** this client's certificate, and its private key */
    cert: FilePath.optional(),
    key: FilePath.optional(),
    /** the name to expect in the broker's certificate when it differs from the URL's host */
    servername: z.string().min(1).max(253).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.cert && !t.key) ctx.addIssue({ code: 'custom', path: ['key'], message: 'required with cert' });
    if (t.key && !t.cert) ctx.addIssue({ code: 'custom', path: ['cert'], message: 'required with key' });
  });
export type MqttTlsFiles = z.infer<typeof MqttTlsFiles>;

export type MqttTlsOptions = {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized: true;
};

/** A TLS file that cannot be used; `field` is `ca`, `cert` or `key` (or '' for the pair). */
export class MqttTlsFileError extends Error {
  constructor(
    readonly field: 'ca' | 'cert' | 'key' | '',
    message: string,
  ) {
    super(message);
    this.name = 'MqttTlsFileError';
  }
}

/**
 * Read the files and check them as Node's TLS will use them (PEM that parses, a key that belongs to
 * the certificate), so a bad file is named at start rather than at every reconnect.
 */
export function readMqttTls(files: MqttTlsFiles): MqttTlsOptions {
  const read = (field: 'ca' | 'cert' | 'key', path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new MqttTlsFileError(
        field,
        `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`,
      );
    }
  };
  const out: MqttTlsOptions = { rejectUnauthorized: true };
  const ca = read('ca', files.ca);
  const cert = read('cert', files.cert);
  const key = read('key', files.key);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  if (files.servername) out.servername = files.servername;
  const check = (field: 'ca' | 'cert' | 'key' | '', opts: Parameters<typeof createSecureContext>[0]) => {
    try {
      createSecureContext(opts);
    } catch (err) {
      const why = (err as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/i, '');
      throw new MqttTlsFileError(field, `not usable: ${why}`);
    }
  };
  if (ca) check('ca', { ca });
  if (cert) check('cert', { cert });
  if (cert && key) check('', { cert, key });
  return out;
}

const BROKER_REFUSED_CERT: Record<string, string> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    'the broker requires a client certificate and none was sent (set the certificate and key)',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE:
    'the broker ended the TLS handshake (a client certificate may be required)',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA:
    'the broker does not trust this client certificate (it was issued by a CA the broker does not know)',
  ERR_SSL_TLSV1_ALERT_BAD_CERTIFICATE: 'the broker refused this client certificate',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the broker refused this client certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'the broker refused this client certificate: it has expired',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: 'the broker refused this client certificate: it was revoked',
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: 'the broker refused this client certificate (access denied)',
  SELF_SIGNED_CERT_IN_CHAIN:
    "the broker's certificate is not signed by a trusted CA (set the CA file to the broker's CA)",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the broker's certificate is self-signed and not trusted (set the CA file to the broker's CA)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "the broker's certificate is not signed by a trusted CA (set the CA file to the broker's CA)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "the broker's certificate is not signed by a trusted CA (set the CA file to the broker's CA)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the broker's certificate is not for this host name",
  CERT_HAS_EXPIRED: "the broker's certificate has expired",
  CERT_NOT_YET_VALID: "the broker's certificate is not valid yet (check this machine's clock)",
  ECONNREFUSED: 'nothing accepts connections at the broker address',
  ECONNRESET: 'the broker closed the connection',
  ENOTFOUND: 'the broker host name cannot be resolved',
  EAI_AGAIN: 'the broker host name cannot be resolved (DNS not answering)',
  ETIMEDOUT: 'no answer from the broker',
  EHOSTUNREACH: 'the broker host cannot be reached',
  ENETUNREACH: 'the network to the broker cannot be reached',
  EPROTO: 'the broker did not speak TLS (mqtts:// to a plain listener?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the broker did not speak TLS (mqtts:// to a plain listener?)',
};

/** MQTT CONNACK refusals: 3.1.1 return codes and their MQTT 5 reason codes. */
const CONNACK: Record<number, string> = {
  4: 'the broker refused the login (bad user name or password)',
  5: 'the broker refused the login (not authorised)',
  134: 'the broker refused the login (bad user name or password)',
  135: 'the broker refused the login (not authorised)',
};

/** Why a connection to the broker failed, in words an administrator can act on, and a stable code. */
export function explainMqttError(err: unknown): { code: string; reason: string } {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (typeof e?.code === 'number') {
    return { code: `connack${e.code}`, reason: CONNACK[e.code] ?? `the broker refused: ${message}` };
  }
  const code = typeof e?.code === 'string' ? e.code : '';
  const known = BROKER_REFUSED_CERT[code];
  if (known) return { code, reason: known };
  if (message === 'connack timeout')
    return { code: 'connackTimeout', reason: 'no MQTT answer from the broker' };
  return { code: code || 'error', reason: message.slice(0, 300) };
}

/** The part of an mqtt.js client the backoff needs. */
type Reconnecting = {
  options: { reconnectPeriod?: number };
  disconnecting: boolean;
  on(event: 'connect' | 'error', listener: (arg: never) => void): unknown;
  prependListener(event: 'close', listener: () => void): unknown;
};

/**
 * Reconnect with exponential backoff: `baseMs`, twice that, … up to `maxMs`, each with up to a
 * quarter more at random so many agents do not all come back at the same instant; back to `baseMs`
 * once connected. `onRetry` hears each failed or lost connection with the last error explained.
 */
export function reconnectWithBackoff(
  client: Reconnecting,
  opts: {
    baseMs: number;
    maxMs: number;
    onRetry?: (r: { attempt: number; retryInMs: number; code: string; reason: string }) => void;
  },
): void {
  let attempt = 0;
  let last: { code: string; reason: string } | undefined;
  client.options.reconnectPeriod = opts.baseMs;
  client.on('connect', () => {
    attempt = 0;
    last = undefined;
    client.options.reconnectPeriod = opts.baseMs;
  });
  client.on('error', (err: unknown) => {
    last = explainMqttError(err);
  });
  // before mqtt.js's own close handler, which arms the reconnect timer with reconnectPeriod
  client.prependListener('close', () => {
    if (client.disconnecting) return;
    attempt += 1;
    const plain = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt - 1, 30));
    const retryInMs = Math.min(opts.maxMs, Math.round(plain * (1 + Math.random() / 4)));
    client.options.reconnectPeriod = retryInMs;
    const why = last ?? { code: 'closed', reason: 'the connection was closed' };
    last = undefined;
    opts.onRetry?.({ attempt, retryInMs, ...why });
  });
}

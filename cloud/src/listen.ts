import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type Config, ConfigError } from './config.ts';

export class PortInUseError extends Error {}

/** Listen, turning EADDRINUSE into an error that names the setting to change. */
export function listenOrExplain(server: Server, port: number, host: string, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new PortInUseError(
            `ポート ${port} は使用中です。${variable} で別のポートを指定してください / port ${port} is already in use: set ${variable} to a free port`,
          ),
        );
      } else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Serve a Hono app over HTTP, or HTTPS when BUNKO_TLS_CERT and BUNKO_TLS_KEY are set (both the
 * core and the public service), and say where it listens.
 */
export async function serveApp(
  fetch: (request: Request) => Response | Promise<Response>,
  opts: { config: Config; port: number; variable: string },
) {
  const { config } = opts;
  const server = (
    config.secure
      ? createAdaptorServer({
          fetch,
          createServer: createHttpsServer,
          serverOptions: {
            key: readFileSync(config.BUNKO_TLS_KEY!),
            cert: readFileSync(config.BUNKO_TLS_CERT!),
          },
        })
      : createAdaptorServer({ fetch })
  ) as Server;
  await listenOrExplain(server, opts.port, config.HOST, opts.variable);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return { server, port, url: `${config.secure ? 'https' : 'http'}://${config.HOST}:${port}/` };
}

/** A service's start failed: a setting to fix (exit 2, the message alone) or anything else (exit 1). */
export function exitOnStartFailure(err: unknown): never {
  if (err instanceof ConfigError || err instanceof PortInUseError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `起動に失敗しました / failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
}

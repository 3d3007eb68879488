import type { Server } from 'node:net';

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

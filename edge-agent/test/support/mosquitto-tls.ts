import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './core.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';

const openssl = (cwd: string, args: string[]) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/** A throw-away certificate authority in `dir`; `issue` signs a P-256 leaf certificate with it. */
export function makeCa(dir: string, name: string) {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.ca.key`,
    '-out',
    `${name}.ca.crt`,
  ]);
  return {
    cert: join(dir, `${name}.ca.crt`),
    /** a certificate for `cn` (a server one gets 127.0.0.1 and localhost as its names) */
    issue(cn: string, file: string, opts: { server?: boolean } = {}) {
      const ext = join(dir, `${file}.ext`);
      writeFileSync(
        ext,
        opts.server
          ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
          : 'extendedKeyUsage=clientAuth\n',
      );
      openssl(dir, [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        `${file}.key`,
        '-out',
        `${file}.csr`,
      ]);
      openssl(dir, [
        'x509',
        '-req',
        '-in',
        `${file}.csr`,
        '-CA',
        `${name}.ca.crt`,
        '-CAkey',
        `${name}.ca.key`,
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        ext,
        '-out',
        `${file}.crt`,
      ]);
      return { cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`) };
    },
  };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/**
 * A private Mosquitto on a free loopback port that takes only clients with a certificate from its
 * CA (the certificate's CN becomes the MQTT username). Files go to a temp dir removed by `close`.
 */
export async function startTlsMosquitto() {
  const dir = mkdtempSync(join(tmpdir(), 'bunko-mosquitto-tls-'));
  const ca = makeCa(dir, 'bunko-test-ca');
  const server = ca.issue('127.0.0.1', 'server', { server: true });
  const port = await closedPort(); // free just now: Mosquitto takes it
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      // run as ourselves: as root Mosquitto would switch to a user who cannot read the temp dir
      `user ${userInfo().username}`,
      'per_listener_settings false',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      `listener ${port} 127.0.0.1`,
      `cafile ${ca.cert}`,
      `certfile ${server.cert}`,
      `keyfile ${server.key}`,
      'require_certificate true',
      'use_identity_as_username true',
      'allow_anonymous false',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; !(await listening(port)); i++) {
    if (child.exitCode !== null || i > 200) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    port,
    url: `mqtts://127.0.0.1:${port}`,
    ca,
    get log() {
      return stderr;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type TlsMosquitto = Awaited<ReturnType<typeof startTlsMosquitto>>;

import { createHash } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { offlineTopics, TOPIC_ROOT, topics } from '@bunko/protocols';
import { Aedes, type Client } from 'aedes';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Db } from '../db/client.ts';
import { agents } from '../db/schema/index.ts';
import { verifyPassword } from '../domain/auth/passwords.ts';
import { loggableError } from '../domain/loggable-error.ts';
import { listenOrExplain } from '../listen.ts';

export const CORE_MQTT_USER = '__bunko_core__';

type Identity = { role: 'core' } | { role: 'agent'; tenantId: string; agentId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The embedded MQTT broker. Agents log in with their own id and secret; an agent may publish and
 * subscribe only under its own topics (plus reading the core's birth message for its tenant).
 */
export async function startEmbeddedBroker(opts: {
  db: Db;
  host: string;
  port: number;
  wsPort: number;
  corePassword: string;
  logger: Logger;
  /**
   * A TLS listener besides the plain one (mqtts://): the server's PEM certificate and key; with
   * `clientCa`, only agents with a certificate from that CA whose CN is their agent id get in
   * (their id and secret are checked as well).
   */
  tls?: { port: number; cert: Buffer; key: Buffer; clientCa?: Buffer };
}) {
  const log = opts.logger.child({ ns: 'broker' });
  const identities = new WeakMap<Client, Identity>();
  // A verified secret is remembered (as a digest) so reconnect storms do not each pay for argon2.
  const verified = new Map<string, string>();
  const broker = await Aedes.createBroker({ drainTimeout: 30_000, maxClientsIdLength: 64 });

  broker.authenticate = (client, username, password, done) => {
    const pw = password?.toString('utf8') ?? '';
    const fail = () => {
      const err = Object.assign(new Error('bad credentials'), { returnCode: 4 });
      done(err as Parameters<typeof done>[0], false);
    };
    if (username === CORE_MQTT_USER) {
      if (pw === opts.corePassword) {
        identities.set(client, { role: 'core' });
        return done(null, true);
      }
      return fail();
    }
    if (!username || !UUID.test(username) || client.id !== username) return fail();
    // on the TLS listener with client certificates, the certificate must be this agent's
    const conn = (client as unknown as { conn?: Partial<TLSSocket> }).conn;
    if (opts.tls?.clientCa && conn?.encrypted) {
      const cn = conn.getPeerCertificate?.()?.subject?.CN;
      if (cn !== username) {
        log.warn({ clientId: client.id }, 'agent certificate is not for this agent');
        return fail();
      }
    }
    const digest = createHash('sha256').update(pw).digest('hex');
    void (async () => {
      const [agent] = await opts.db
        .select({ id: agents.id, tenantId: agents.tenantId, secretHash: agents.secretHash })
        .from(agents)
        .where(eq(agents.id, username));
      const ok = agent && (verified.get(agent.id) === digest || (await verifyPassword(agent.secretHash, pw)));
      if (!agent || !ok) return fail();
      verified.set(agent.id, digest);
      identities.set(client, { role: 'agent', tenantId: agent.tenantId, agentId: agent.id });
      done(null, true);
    })().catch((err) => {
      log.error({ err: loggableError(err) }, 'agent authentication failed');
      fail();
    });
  };

  const allowedPublish = (id: Identity, topic: string) => {
    if (id.role === 'core') return topic.startsWith(`${TOPIC_ROOT}/`);
    const prefix = topics.agentPrefix(id.tenantId, id.agentId);
    return (
      ['state', 'info', 'response', 'event'].some((k) => topic === `${prefix}/${k}`) ||
      topic === offlineTopics.up(id.tenantId, id.agentId)
    );
  };
  const allowedSubscribe = (id: Identity, topic: string) => {
    if (id.role === 'core') return topic.startsWith(`${TOPIC_ROOT}/`);
    return (
      topic === topics.request(id.tenantId, id.agentId) ||
      topic === topics.core(id.tenantId) ||
      topic === offlineTopics.down(id.tenantId, id.agentId)
    );
  };

  broker.authorizePublish = (client, packet, done) => {
    const id = client ? identities.get(client) : undefined;
    if (!id || !allowedPublish(id, packet.topic)) {
      log.warn({ clientId: client?.id, topic: packet.topic }, 'publish refused by ACL');
      return done(new Error('publish not allowed'));
    }
    done(null);
  };
  broker.authorizeSubscribe = (client, sub, done) => {
    const id = identities.get(client);
    if (!id || !allowedSubscribe(id, sub.topic)) {
      log.warn({ clientId: client.id, topic: sub.topic }, 'subscribe refused by ACL');
      return done(null, null);
    }
    done(null, sub);
  };

  const tcp: Server = createServer({ noDelay: true }, broker.handle as (s: unknown) => void);
  await listenOrExplain(tcp, opts.port, opts.host, 'MQTT_PORT');
  const wss = new WebSocketServer({ noServer: true });
  const http = createHttpServer();
  http.on('upgrade', (req, socket, head) => {
    (socket as Socket).setNoDelay(true);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      (broker.handle as (s: unknown, r: unknown) => void)(stream, req);
    });
  });
  await listenOrExplain(http, opts.wsPort, opts.host, 'MQTT_WS_PORT');
  const tlsServer = opts.tls
    ? createTlsServer(
        {
          cert: opts.tls.cert,
          key: opts.tls.key,
          ...(opts.tls.clientCa
            ? { ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: true }
            : {}),
        },
        (socket) => {
          socket.setNoDelay(true);
          (broker.handle as (s: unknown) => void)(socket);
        },
      )
    : undefined;
  // a refused handshake (no certificate, another CA) is the client's problem, not the broker's
  tlsServer?.on('tlsClientError', (err) => log.warn({ err: err.message }, 'MQTT TLS handshake refused'));
  if (tlsServer && opts.tls) await listenOrExplain(tlsServer, opts.tls.port, opts.host, 'MQTT_TLS_PORT');

  const addr = tcp.address();
  const wsAddr = http.address();
  const tlsAddr = tlsServer?.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    wsPort: typeof wsAddr === 'object' && wsAddr ? wsAddr.port : opts.wsPort,
    /** the mqtts:// listener's port, when there is one */
    tlsPort: typeof tlsAddr === 'object' && tlsAddr ? tlsAddr.port : undefined,
    broker,
    async close() {
      await new Promise<void>((r) => broker.close(() => r()));
      await Promise.all([
        new Promise<void>((r) => tcp.close(() => r())),
        new Promise<void>((r) => (tlsServer ? tlsServer.close(() => r()) : r())),
        new Promise<void>((r) => {
          wss.close();
          http.closeAllConnections?.();
          http.close(() => r());
        }),
      ]);
    },
  };
}

export type EmbeddedBroker = Awaited<ReturnType<typeof startEmbeddedBroker>>;

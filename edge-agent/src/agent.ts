import {
  type AgentInfo,
  AgentRequest,
  type AgentResponse,
  CoreBirth,
  offlineTopics,
  type PrintJobEvent,
  topics,
} from '@bunko/protocols';
import { readMqttTls, reconnectWithBackoff } from '@bunko/protocols/mqtt-link';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { agentInfo, configHash } from './agent-info.ts';
import { type AgentConfig, AgentConfigError } from './config.ts';
import { createDevices, type Device } from './devices.ts';
import { moveAside } from './drivers/drop-folder.ts';
import { PrintJournal } from './journal.ts';
import { profileLookup } from './local-profiles.ts';
import { OfflineMode, type ReceiptPrinter } from './offline/offline-mode.ts';
import { type Outcome, PrintJobs, type PrintRequest } from './print-jobs.ts';
import { writePushedConfig } from './remote-config.ts';
import { ScanOutbox } from './scan-outbox.ts';
import { ScanSequence } from './scan-sequence.ts';
import { StocktakeOutbox } from './stocktake-outbox.ts';

export type AgentOptions = {
  logger: Logger;
  now?: () => Date;
  /** the config file this agent was loaded from: a config pushed by the core replaces it */
  configPath?: string;
  /** asked to restart (remotely, or to apply a pushed config): main.ts stops and exits for its service manager */
  onRestart?: (reason: string) => void;
};

export type Agent = {
  /** Open the journal, start the devices, connect (and keep reconnecting) to the broker. */
  start(): Promise<void>;
  /** Publish `offline`, disconnect, stop the devices, close the journal. */
  stop(): Promise<void>;
  info(): AgentInfo;
  readonly connected: boolean;
  /** the bookmobile's offline circulation, when configured */
  readonly offline: OfflineMode | undefined;
};

/** How long an offline receipt may wait for the printer (paper out, lid open) before it is dropped. */
const OFFLINE_RECEIPT_TTL_MS = 10 * 60_000;

/**
 * The offline counter's receipts go to the configured receipt printer (else the first one) as
 * ordinary print jobs: the job id is the operation's, so the print journal keeps it to one paper.
 */
function offlineReceiptPrinter(
  config: AgentConfig,
  now: () => Date,
  handle: (req: PrintRequest) => Promise<Outcome>,
): ReceiptPrinter | undefined {
  const deviceId =
    config.offline?.receiptPrinter ?? config.devices.find((d) => d.kind === 'receiptPrinter')?.id;
  if (!deviceId) return undefined;
  return (jobId, document) =>
    handle({
      transaction: jobId,
      action: 'print',
      jobId,
      deviceId,
      notAfter: new Date(now().getTime() + OFFLINE_RECEIPT_TTL_MS).toISOString(),
      document,
    });
}

const stateMessage = (status: 'online' | 'offline', at: Date) =>
  JSON.stringify({ status, at: at.toISOString() });

export function createAgent(config: AgentConfig, opts: AgentOptions): Agent {
  const now = opts.now ?? (() => new Date());
  const log = opts.logger.child({ ns: 'agent' });
  const { tenantId, agentId } = config;
  const t = {
    state: topics.state(tenantId, agentId),
    info: topics.info(tenantId, agentId),
    request: topics.request(tenantId, agentId),
    response: topics.response(tenantId, agentId),
    event: topics.event(tenantId, agentId),
    core: topics.core(tenantId),
  };
  const startedAt = now();
  let client: MqttClient | undefined;
  let journal: PrintJournal | undefined;
  let jobs: PrintJobs | undefined;
  let scans: ScanOutbox | undefined;
  let stocktake: StocktakeOutbox | undefined;
  let coreBootId: string | undefined;
  const profiles = profileLookup(config.dataDir, config.profiles);
  const hash = configHash(config, profiles);
  const devices: Map<string, Device> = createDevices(config.devices, opts.logger, profiles, {
    onScan: (deviceId, read) => scans?.add(deviceId, read),
    onStatusChange: () => {
      if (client?.connected) publish(t.info, JSON.stringify(info()), true);
    },
    ...(config.pdfFont ? { pdfFont: config.pdfFont } : {}),
    onHandheldBatch: (deviceId, read, origin, source) =>
      stocktake
        ? stocktake.add(deviceId, read, origin, source)
        : Promise.reject(new Error('the agent is not started')),
  });

  const offline = config.offline
    ? new OfflineMode(config.offline, {
        dataDir: config.dataDir,
        logger: opts.logger,
        now,
        publish: (payload) =>
          client?.connected
            ? client.publishAsync(offlineTopics.up(tenantId, agentId), payload, { qos: 1 })
            : undefined,
        connected: () => client?.connected ?? false,
        printReceipt: offlineReceiptPrinter(config, now, (req) =>
          jobs ? jobs.handle(req) : Promise.reject(new Error('the agent is not started')),
        ),
      })
    : undefined;

  const info = () =>
    agentInfo(
      hash,
      startedAt,
      [...devices.values()].map((d) => d.info()),
    );

  const publish = (topic: string, payload: string, retain: boolean) =>
    client?.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (err) log.warn({ topic, err: err.message }, 'publish failed');
    });

  const announce = () => {
    publish(t.state, stateMessage('online', now()), true);
    publish(t.info, JSON.stringify(info()), true);
  };

  const respond = (transaction: string, outcome: Outcome) => {
    const body: AgentResponse = { transaction, ...outcome };
    publish(t.response, JSON.stringify(body), false);
  };

  async function onRequest(payload: Buffer): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(payload.toString('utf8'));
    } catch {
      log.warn({ bytes: payload.length }, 'request is not JSON; ignored');
      return;
    }
    const parsed = AgentRequest.safeParse(raw);
    if (!parsed.success) {
      // Only field paths are logged: a document's lines may hold a patron's name.
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
      const tx = (raw as { transaction?: unknown } | null)?.transaction;
      if (typeof tx === 'string' && tx.length > 0 && tx.length <= 64) {
        respond(tx, {
          ok: false,
          error: { code: 'invalidRequest', message: `invalid fields: ${fields.join(', ')}` },
        });
      }
      log.warn({ fields }, 'invalid request refused');
      return;
    }
    const req = parsed.data;
    if (req.action === 'ping') {
      respond(req.transaction, { ok: true, result: { pong: true, at: now().toISOString() } });
      return;
    }
    if (req.action === 'configure' || req.action === 'restart') {
      await onFleetRequest(req);
      return;
    }
    if (req.action === 'stocktakeAck') {
      try {
        await stocktake?.acknowledge(req.batchId, req.status, req.reason);
        respond(req.transaction, { ok: true });
      } catch (err) {
        log.error({ err: (err as Error).message, batchId: req.batchId }, 'stock-take ack failed');
        respond(req.transaction, {
          ok: false,
          error: { code: 'ackFailed', message: 'the agent could not settle the batch' },
        });
      }
      return;
    }
    try {
      respond(req.transaction, await jobs!.handle(req));
    } catch (err) {
      log.error({ err: (err as Error).message, jobId: req.jobId }, 'print job failed unexpectedly');
      respond(req.transaction, {
        ok: false,
        error: { code: 'printFailed', message: 'the agent could not record the job' },
      });
    }
  }

  /** IT's remote actions: answer first (delivered before the link goes), then restart. */
  async function onFleetRequest(
    req: Extract<AgentRequest, { action: 'configure' | 'restart' }>,
  ): Promise<void> {
    const answer = async (outcome: Outcome) => {
      const body: AgentResponse = { transaction: req.transaction, ...outcome };
      await client
        ?.publishAsync(t.response, JSON.stringify(body), { qos: 1 })
        .catch((err: Error) => log.warn({ err: err.message }, 'could not answer'));
    };
    const restart = opts.onRestart;
    if (!restart || (req.action === 'configure' && !opts.configPath)) {
      await answer({
        ok: false,
        error: {
          code: 'notSupported',
          message: 'this agent was not started from a config file by a service',
        },
      });
      return;
    }
    if (req.action === 'restart') {
      log.warn({ reason: req.reason }, 'restart requested by the core');
      await answer({ ok: true, result: { restarting: true } });
      restart('restart requested');
      return;
    }
    let written: { configHash: string; profiles: string[] };
    try {
      written = await writePushedConfig(config, opts.configPath!, req.config);
    } catch (err) {
      // the reason names fields only: a config holds no personal data, but may hold secrets
      const message =
        err instanceof AgentConfigError
          ? err.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')
          : `could not write the config (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      log.warn({ reason: message }, 'pushed config refused; keeping the current one');
      await answer({
        ok: false,
        error: { code: 'invalidConfig', message: message.slice(0, 1000) },
        ...(err instanceof AgentConfigError ? { result: { issues: err.issues.slice(0, 50) } } : {}),
      });
      return;
    }
    log.warn(
      { configHash: written.configHash, profiles: written.profiles },
      'new config written; restarting to apply it',
    );
    await answer({
      ok: true,
      result: { configHash: written.configHash, profiles: written.profiles, restarting: true },
    });
    restart('config changed');
  }

  function onCoreBirth(payload: Buffer): void {
    let birth: CoreBirth;
    try {
      birth = CoreBirth.parse(JSON.parse(payload.toString('utf8')));
    } catch {
      return; // an empty retained message clears the birth; nothing to do
    }
    const restarted = coreBootId !== undefined && birth.bootId !== coreBootId;
    coreBootId = birth.bootId;
    if (restarted && birth.status === 'online') {
      log.info('core restarted; announcing again');
      announce();
    }
  }

  // the host only: a URL may carry a login
  const brokerHost = config.mqtt.url.replace(/^[a-z]+:\/\/(?:[^@/]*@)?([^/?#]*).*$/i, '$1');

  function connect(): MqttClient {
    const c = mqtt.connect(config.mqtt.url, {
      clientId: agentId,
      username: config.mqtt.username,
      ...(config.mqtt.password ? { password: config.mqtt.password } : {}),
      // the files were checked when the config was loaded; read here, at each start
      ...(config.mqtt.tls ? readMqttTls(config.mqtt.tls) : {}),
      clean: true,
      keepalive: config.mqtt.keepaliveSeconds,
      reconnectPeriod: config.mqtt.reconnectMs,
      // a refused login is retried too: the core may be starting, or the agent's secret being reset
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      resubscribe: false,
      will: { topic: t.state, payload: Buffer.from(stateMessage('offline', now())), qos: 1, retain: true },
    });
    reconnectWithBackoff(c, {
      baseMs: config.mqtt.reconnectMs,
      maxMs: Math.max(config.mqtt.reconnectMs, config.mqtt.reconnectMaxMs),
      onRetry: (r) =>
        log.warn(
          { attempt: r.attempt, retryInMs: r.retryInMs, code: r.code, broker: brokerHost },
          `cannot connect to the broker: ${r.reason}; retrying`,
        ),
    });
    c.on('connect', () => {
      (c.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
      log.info('connected to the broker');
      // A clean session forgets subscriptions: subscribe on every (re)connect, and announce
      // `online` once requests can reach us.
      const wanted = offline
        ? [t.request, t.core, offlineTopics.down(tenantId, agentId)]
        : [t.request, t.core];
      c.subscribe(wanted, { qos: 1 }, (err, granted) => {
        if (err) log.error({ err: err.message }, 'subscribe failed');
        const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
        if (refused.length > 0) log.error({ topics: refused }, 'subscribe refused by the broker');
        if (c === client) {
          announce();
          scans?.resend();
          offline?.onConnect();
          stocktake?.resend();
        }
      });
    });
    c.on('message', (topic, payload) => {
      if (topic === t.request) void onRequest(payload);
      else if (topic === t.core) onCoreBirth(payload);
      else if (offline && topic === offlineTopics.down(tenantId, agentId)) offline.onMessage(payload);
    });
    c.on('close', () => {
      // The will's timestamp is fixed at connect time; give the next connection a fresh one.
      if (c.options.will) c.options.will.payload = Buffer.from(stateMessage('offline', now()));
    });
    c.on('error', (err) => log.debug({ err: err.message }, 'mqtt error'));
    return c;
  }

  return {
    async start() {
      journal = await PrintJournal.open(config.dataDir, now);
      scans = new ScanOutbox({
        sequence: ScanSequence.open(config.dataDir),
        now,
        log: opts.logger.child({ ns: 'scan' }),
        publish: (payload) =>
          client?.connected ? client.publishAsync(t.event, payload, { qos: 1 }) : undefined,
      });
      stocktake = await StocktakeOutbox.open(config.dataDir, {
        now,
        log: opts.logger.child({ ns: 'stocktake' }),
        publish: (payload) =>
          client?.connected ? client.publishAsync(t.event, payload, { qos: 1 }) : undefined,
        settled: async (origin, status) => {
          if (origin.kind !== 'file') return;
          await moveAside(origin.path, status === 'rejected' ? 'rejected' : 'processed', now()).catch(
            (err: NodeJS.ErrnoException) => {
              if (err.code !== 'ENOENT') throw err; // already moved by an earlier ack
            },
          );
        },
      });
      jobs = new PrintJobs({
        journal,
        devices,
        now,
        logger: opts.logger.child({ ns: 'print' }),
        onStatusChange: () => {
          if (client?.connected) publish(t.info, JSON.stringify(info()), true);
        },
        // progress for the core's job list; the response carries the end state as well
        onJobState: (e) => {
          const event: PrintJobEvent = { type: 'job', ...e, at: now().toISOString() };
          if (client?.connected) publish(t.event, JSON.stringify(event), false);
        },
      });
      await Promise.all([...devices.values()].map((d) => d.start()));
      await offline?.start();
      client = connect();
      log.info({ devices: devices.size }, 'agent started');
    },

    async stop() {
      // Let jobs in progress finish and answer before the link and the journal go away.
      await jobs?.idle();
      const c = client;
      client = undefined;
      if (c) {
        if (c.connected) {
          await c
            .publishAsync(t.state, stateMessage('offline', now()), { qos: 1, retain: true })
            .catch((err: Error) => log.warn({ err: err.message }, 'could not publish offline'));
        }
        await c.endAsync();
      }
      await Promise.all([...devices.values()].map((d) => d.stop()));
      await offline?.stop();
      stocktake?.close();
      await journal?.close();
      journal = undefined;
      log.info('agent stopped');
    },

    info,

    get offline() {
      return offline;
    },

    get connected() {
      return client?.connected ?? false;
    },
  };
}

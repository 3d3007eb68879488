import { type AgentInfo, AgentRequest, type AgentResponse, CoreBirth, topics } from '@bunko/protocols';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { agentInfo } from './agent-info.ts';
import type { AgentConfig } from './config.ts';
import { createDevices, type Device } from './devices.ts';
import { PrintJournal } from './journal.ts';
import { type Outcome, PrintJobs } from './print-jobs.ts';
import { ScanOutbox } from './scan-outbox.ts';
import { ScanSequence } from './scan-sequence.ts';

export type AgentOptions = { logger: Logger; now?: () => Date };

export type Agent = {
  /** Open the journal, start the devices, connect (and keep reconnecting) to the broker. */
  start(): Promise<void>;
  /** Publish `offline`, disconnect, stop the devices, close the journal. */
  stop(): Promise<void>;
  info(): AgentInfo;
  readonly connected: boolean;
};

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
  let coreBootId: string | undefined;
  const devices: Map<string, Device> = createDevices(config.devices, opts.logger, undefined, {
    onScan: (deviceId, read) => scans?.add(deviceId, read),
    onStatusChange: () => {
      if (client?.connected) publish(t.info, JSON.stringify(info()), true);
    },
  });

  const info = () =>
    agentInfo(
      config,
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

  function connect(): MqttClient {
    const c = mqtt.connect(config.mqtt.url, {
      clientId: agentId,
      username: config.mqtt.username,
      password: config.mqtt.password,
      clean: true,
      keepalive: config.mqtt.keepaliveSeconds,
      reconnectPeriod: config.mqtt.reconnectMs,
      connectTimeout: 10_000,
      resubscribe: false,
      will: { topic: t.state, payload: Buffer.from(stateMessage('offline', now())), qos: 1, retain: true },
    });
    c.on('connect', () => {
      (c.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
      log.info('connected to the broker');
      // A clean session forgets subscriptions: subscribe on every (re)connect, and announce
      // `online` once requests can reach us.
      c.subscribe([t.request, t.core], { qos: 1 }, (err, granted) => {
        if (err) log.error({ err: err.message }, 'subscribe failed');
        const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
        if (refused.length > 0) log.error({ topics: refused }, 'subscribe refused by the broker');
        if (c === client) {
          announce();
          scans?.resend();
        }
      });
    });
    c.on('message', (topic, payload) => {
      if (topic === t.request) void onRequest(payload);
      else if (topic === t.core) onCoreBirth(payload);
    });
    c.on('close', () => {
      // The will's timestamp is fixed at connect time; give the next connection a fresh one.
      if (c.options.will) c.options.will.payload = Buffer.from(stateMessage('offline', now()));
    });
    c.on('offline', () => log.warn('disconnected from the broker; reconnecting'));
    c.on('error', (err) => log.warn({ err: err.message }, 'mqtt error'));
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
      jobs = new PrintJobs({
        journal,
        devices,
        now,
        logger: opts.logger.child({ ns: 'print' }),
        onStatusChange: () => {
          if (client?.connected) publish(t.info, JSON.stringify(info()), true);
        },
      });
      await Promise.all([...devices.values()].map((d) => d.start()));
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
      await journal?.close();
      journal = undefined;
      log.info('agent stopped');
    },

    info,

    get connected() {
      return client?.connected ?? false;
    },
  };
}

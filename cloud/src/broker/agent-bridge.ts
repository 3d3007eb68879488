import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  AgentInfo,
  type AgentRequest,
  AgentResponse,
  AgentState,
  type OfflineDown,
  offlineTopics,
  parseAgentTopic,
  topics,
} from '@bunko/protocols';
import { type MqttTlsFiles, readMqttTls, reconnectWithBackoff } from '@bunko/protocols/mqtt-link';
import { and, eq, sql } from 'drizzle-orm';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { agents, devices, tenants } from '../db/schema/index.ts';
import { type FleetError, RecentErrors } from '../domain/devices/recent-errors.ts';
import { AppError } from '../domain/errors.ts';
import { loggableError } from '../domain/loggable-error.ts';
import { applyPrintJobEvent, expireWaitingJobs, resendWaitingJobs } from '../domain/printing/print-jobs.ts';

type Pending = { resolve: (r: AgentResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/** What domain verbs may ask of the device side (kept free of MQTT types). */
export type AgentPort = {
  request(tenantId: string, agentId: string, req: AgentRequest, timeoutMs?: number): Promise<AgentResponse>;
  /** send the agent's waiting print jobs, in the order they were made (not awaited) */
  sendWaiting?(tenantId: string, agentId: string): void;
  /** the agent's last errors (device problems, refused requests, failed jobs), newest first */
  recentErrors?(tenantId: string, agentId: string): FleetError[];
};

/**
 * The core's MQTT client: records agent state/info in the database, and pairs requests with responses
 * by transaction id (aedes speaks MQTT 3.1.1, which has no response topics).
 */
export class AgentBridge implements AgentPort {
  private client: MqttClient | undefined;
  private readonly pending = new Map<string, Pending>();
  readonly bootId = randomUUID();
  private readonly errors = new RecentErrors();
  /** the device statuses last seen, so a problem is listed once when it starts, not at every info */
  private readonly deviceStatus = new Map<string, string>();
  /** resends of waiting print jobs under way (an agent came online) and expiry sweeps, awaited by `stop` */
  private readonly resends = new Set<Promise<unknown>>();
  /** per agent: the next resend, when one met a job another sender held */
  private readonly resendTimers = new Map<string, NodeJS.Timeout>();
  private stopping = false;
  private expirySweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      url: string;
      username?: string;
      password?: string;
      /** mqtts:// / wss://: the broker's CA and the core's client certificate (an external broker) */
      tls?: MqttTlsFiles;
      db: Db;
      logger: Logger;
      /** where agents' `event` messages (scans) go */
      events?: { handleEvent(tenantId: string, agentId: string, body: unknown): Promise<unknown> };
      /** the bookmobile agents' offline package requests and replays (`offline` topic) */
      offline?: {
        handle(tenantId: string, agentId: string, body: unknown): Promise<OfflineDown | undefined>;
      };
      /** where handhelds' stock-take batches (`stocktakeBatch` events) go */
      stocktake?: { handleBatch(tenantId: string, agentId: string, body: unknown): Promise<unknown> };
    },
  ) {}

  async start(): Promise<void> {
    const log = this.opts.logger.child({ ns: 'agent-bridge' });
    const client = mqtt.connect(this.opts.url, {
      clientId: `bunko-core-${this.bootId.slice(0, 8)}`,
      ...(this.opts.username ? { username: this.opts.username } : {}),
      ...(this.opts.password ? { password: this.opts.password } : {}),
      ...(this.opts.tls ? readMqttTls(this.opts.tls) : {}),
      clean: true,
      reconnectPeriod: 1000,
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
    });
    reconnectWithBackoff(client, {
      baseMs: 1000,
      maxMs: 30_000,
      onRetry: (r) =>
        log.warn(
          { attempt: r.attempt, retryInMs: r.retryInMs, code: r.code },
          `cannot connect to the MQTT broker: ${r.reason}; retrying`,
        ),
    });
    this.client = client;
    // print jobs that waited in vain read `expired` (and lose their content) within a minute of their time
    this.expirySweep = setInterval(() => {
      const run = expireWaitingJobs(this.opts.db)
        .catch((err) => log.error({ err: loggableError(err) }, 'expiring waiting print jobs failed'))
        .finally(() => this.resends.delete(run));
      this.resends.add(run);
    }, 60_000);
    this.expirySweep.unref();
    client.on('message', (topic, payload) => {
      this.onMessage(topic, payload).catch((err) => log.error({ err, topic }, 'agent message failed'));
    });
    client.on('error', (err) => log.debug({ err: err.message }, 'mqtt error'));
    client.on(
      'connect',
      () => void this.announce().catch((err) => log.error({ err: loggableError(err) }, 'birth failed')),
    );
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(
      [
        ...(['state', 'info', 'response', 'event'] as const).map((k) => topics.allAgents(k)),
        offlineTopics.allUp(),
      ],
      { qos: 1 },
    );
  }

  /** Retained birth per tenant: agents that see a new bootId re-announce their info. */
  private async announce(): Promise<void> {
    const all = await this.opts.db.select({ id: tenants.id }).from(tenants);
    const at = new Date().toISOString();
    for (const t of all) {
      await this.client?.publishAsync(
        topics.core(t.id),
        JSON.stringify({ status: 'online', at, bootId: this.bootId }),
        {
          qos: 1,
          retain: true,
        },
      );
    }
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  private async onMessage(topic: string, payload: Buffer): Promise<void> {
    const where = parseAgentTopic(topic);
    if (!where) return;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      this.opts.logger.warn({ topic }, 'agent sent a message that is not JSON');
      return;
    }
    const { tenantId, agentId, kind } = where;
    const mine = and(eq(agents.tenantId, tenantId), eq(agents.id, agentId));
    const db = this.opts.db;
    this.noteErrors(tenantId, agentId, kind, body);
    if (kind === 'offline') {
      const reply = await this.opts.offline?.handle(tenantId, agentId, body);
      if (reply) {
        // a package can hold thousands of items: compressed, it stays small on a mobile link
        const json = JSON.stringify(reply);
        await this.client?.publishAsync(
          offlineTopics.down(tenantId, agentId),
          reply.type === 'package' ? gzipSync(json) : json,
          { qos: 1 },
        );
      }
    } else if (kind === 'event' && (body as { type?: unknown } | null)?.type === 'job') {
      if (isUuid(tenantId) && isUuid(agentId)) await applyPrintJobEvent(db, tenantId, agentId, body);
    } else if (kind === 'event' && (body as { type?: unknown } | null)?.type === 'stocktakeBatch') {
      await this.opts.stocktake?.handleBatch(tenantId, agentId, body);
    } else if (kind === 'event') {
      await this.opts.events?.handleEvent(tenantId, agentId, body);
    } else if (kind === 'response') {
      const r = AgentResponse.safeParse(body);
      if (!r.success) return;
      const p = this.pending.get(`${agentId}:${r.data.transaction}`);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(`${agentId}:${r.data.transaction}`);
        p.resolve(r.data);
      }
    } else if (kind === 'state') {
      const s = AgentState.safeParse(body);
      if (!s.success || !isUuid(tenantId) || !isUuid(agentId)) return;
      const found = await db
        .update(agents)
        .set({ status: s.data.status, lastSeenAt: new Date() })
        .where(mine)
        .returning({ id: agents.id });
      // the agent is (back) online: its print jobs that waited for it go out now
      if (found.length > 0 && s.data.status === 'online' && !this.stopping)
        this.resendWaiting(tenantId, agentId);
    } else if (kind === 'info') {
      const i = AgentInfo.safeParse(body);
      if (!i.success || !isUuid(tenantId) || !isUuid(agentId)) return;
      await db.transaction(async (tx) => {
        const found = await tx
          .update(agents)
          .set({ info: i.data, lastSeenAt: new Date() })
          .where(mine)
          .returning();
        if (found.length === 0) return;
        for (const d of i.data.devices) {
          await tx
            .insert(devices)
            .values({
              tenantId,
              agentId,
              deviceKey: d.id,
              kind: d.kind,
              profile: d.profile,
              transport: d.transport,
              status: d.status,
              detail: d.detail ?? null,
            })
            .onConflictDoUpdate({
              target: [devices.tenantId, devices.agentId, devices.deviceKey],
              set: {
                kind: d.kind,
                profile: d.profile,
                transport: d.transport,
                status: d.status,
                detail: d.detail ?? null,
                updatedAt: sql`now()`,
              },
            });
        }
      });
    }
  }

  /**
   * Send the print jobs that waited for an agent now online. Every `online` message (a reconnect, a
   * re-announce, the retained state seen again after the core reconnects) triggers one; the jobs'
   * claims keep two at once from sending a job twice. A run that met a job another sender held runs
   * again when that sender is done with it.
   */
  sendWaiting(tenantId: string, agentId: string): void {
    if (!this.stopping) this.resendWaiting(tenantId, agentId);
  }

  private resendWaiting(tenantId: string, agentId: string): void {
    const key = `${tenantId}/${agentId}`;
    clearTimeout(this.resendTimers.get(key));
    this.resendTimers.delete(key);
    const run = resendWaitingJobs(this.opts.db, this, tenantId, agentId)
      .then(({ sent, retryAt }) => {
        if (sent > 0) this.opts.logger.info({ tenantId, agentId, sent }, 'waiting print jobs sent');
        if (retryAt && !this.stopping) {
          const timer = setTimeout(
            () => {
              this.resendTimers.delete(key);
              this.resendWaiting(tenantId, agentId);
            },
            Math.max(0, retryAt.getTime() - Date.now()),
          );
          timer.unref();
          this.resendTimers.set(key, timer);
        }
      })
      .catch((err) =>
        this.opts.logger.error({ err: loggableError(err), tenantId, agentId }, 'resending print jobs failed'),
      )
      .finally(() => this.resends.delete(run));
    this.resends.add(run);
  }

  recentErrors(tenantId: string, agentId: string): FleetError[] {
    return this.errors.list(tenantId, agentId);
  }

  /** What goes on the fleet page's error list: device problems as they start, refusals, failed jobs, going offline. */
  private noteErrors(tenantId: string, agentId: string, kind: string, body: unknown): void {
    const at = new Date().toISOString();
    const add = (e: Omit<FleetError, 'at'>) => this.errors.add(tenantId, agentId, { at, ...e });
    const b = body as Record<string, unknown> | null;
    if (kind === 'info') {
      const i = AgentInfo.safeParse(body);
      if (!i.success) return;
      for (const d of i.data.devices) {
        const key = `${tenantId}/${agentId}/${d.id}`;
        const before = this.deviceStatus.get(key);
        this.deviceStatus.set(key, d.status);
        if (d.status !== 'ok' && d.status !== before)
          add({ source: d.id, code: d.status, message: d.detail ?? null });
      }
    } else if (kind === 'state' && b?.status === 'offline') {
      add({ source: 'agent', code: 'offline', message: null });
    } else if (kind === 'response') {
      const r = AgentResponse.safeParse(body);
      if (r.success && !r.data.ok && r.data.error)
        add({ source: 'agent', code: r.data.error.code, message: r.data.error.message.slice(0, 1000) });
    } else if (kind === 'event' && b?.type === 'job' && b.state === 'failed') {
      add({
        source: typeof b.deviceId === 'string' ? b.deviceId.slice(0, 64) : 'agent',
        code: 'jobFailed',
        message: typeof b.reason === 'string' ? b.reason.slice(0, 300) : null,
      });
    }
  }

  request(tenantId: string, agentId: string, req: AgentRequest, timeoutMs = 5000): Promise<AgentResponse> {
    const client = this.client;
    if (!client?.connected) return Promise.reject(new AppError('agentOffline'));
    return new Promise<AgentResponse>((resolve, reject) => {
      const key = `${agentId}:${req.transaction}`;
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new AppError('agentTimeout'));
      }, timeoutMs);
      this.pending.set(key, { resolve, reject, timer });
      client.publish(topics.request(tenantId, agentId), JSON.stringify(req), { qos: 1 }, (err) => {
        if (err) {
          clearTimeout(timer);
          this.pending.delete(key);
          reject(new AppError('agentOffline'));
        }
      });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.expirySweep);
    for (const t of this.resendTimers.values()) clearTimeout(t);
    this.resendTimers.clear();
    // requests still waiting for an answer will not get one: they end as not delivered
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new AppError('agentOffline'));
    }
    this.pending.clear();
    await this.client?.endAsync();
    await Promise.allSettled([...this.resends]);
  }
}

const isUuid = (s: string) => /^[0-9a-f-]{36}$/i.test(s);

/**
 * Scan to browser, over real sockets: a serial barcode reader on a socat pseudo-terminal → the
 * edge agent's serial driver → MQTT (the embedded aedes broker on TCP, or MQTT_URL) → the core's
 * ScanHub → the `/api/scans/stream` Server-Sent Events of the paired counter session, read by an
 * HTTP client on loopback as the browser's EventSource reads it. The clock runs from writing the
 * scan's bytes to the pseudo-terminal until the `scan` event is at the client.
 *
 * Measured in the same run: a bare MQTT publish → subscribe on the same broker (QoS 1, as the agent
 * publishes; one client publishes, another subscribes), and the part up to the broker — pty → agent → a subscriber on the
 * agent's event topic.
 */

import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPIC_ROOT, topics } from '@bunko/protocols';
import mqtt from 'mqtt';
import type { Database } from '../../cloud/src/db/client.ts';
import { createAgent } from '../../edge-agent/src/agent.ts';
import { parseAgentConfig } from '../../edge-agent/src/config.ts';
import { haveSocat, socatPair } from '../../edge-agent/test/support/pty.ts';
import { silent, startBenchCore } from './bench-core.ts';
import { itemBarcode } from './codes.ts';
import { Rng } from './prng.ts';

export type ScanLatency = {
  /** bare MQTT publish → subscribe on the same broker */
  mqtt: number[];
  /** pty → agent → broker → a subscriber on the agent's event topic */
  agent: number[];
  /** pty → … → the `scan` event at the session's SSE client */
  browser: number[];
  /** this process's CPU (user + system) per scan over the measured loop: agent, core, clients (and PGlite) */
  cpuMsPerScan: number;
  /** the machine's 1-minute load average at the start and the end of the loop */
  load: [number, number];
};

export { haveSocat };

/** Arrival times by a key, with a promise for the next arrival of a key. */
class Arrivals {
  private readonly at = new Map<string, number>();
  private readonly waiting = new Map<string, (t: number) => void>();
  note(key: string) {
    const t = performance.now();
    const w = this.waiting.get(key);
    if (w) {
      this.waiting.delete(key);
      w(t);
    } else this.at.set(key, t);
  }
  next(key: string, timeoutMs = 10_000): Promise<number> {
    const t = this.at.get(key);
    if (t !== undefined) {
      this.at.delete(key);
      return Promise.resolve(t);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`no ${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(key, (arrived) => {
        clearTimeout(timer);
        resolve(arrived);
      });
    });
  }
}

/** The session's scan stream read as EventSource does; each event noted by `event:data`. */
async function openScanStream(base: string, cookie: string, arrivals: Arrivals) {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/scans/stream`, { headers: { cookie }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`scan stream: ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const done = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, cut).split('\n');
        buffer = buffer.slice(cut + 2);
        const event = lines
          .find((l) => l.startsWith('event:'))
          ?.slice(6)
          .trim();
        const data = lines
          .find((l) => l.startsWith('data:'))
          ?.slice(5)
          .trim();
        if (!event || !data) continue;
        const body = JSON.parse(data) as { data?: string };
        arrivals.note(event === 'scan' ? `scan:${body.data}` : event);
      }
    }
  })().catch(() => {});
  return {
    close: async () => {
      abort.abort();
      await done;
    },
  };
}

export async function scanLatencyBench(
  database: Database,
  opts: {
    tenantCode: string;
    tenantId: string;
    scans: number;
    paceMs: number;
    seed: number;
    mqttUrl?: string;
  },
): Promise<ScanLatency> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bunko-bench-scan-'));
  const core = await startBenchCore(database, {
    tenantId: opts.tenantId,
    dataDir,
    mqttUrl: opts.mqttUrl,
    scans: true,
  });
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    const pty = await socatPair(dataDir, { device: 'reader', host: 'host' });
    cleanups.push(() => pty.child.kill('SIGKILL'));
    const reg = await core.register('ベンチ スキャナー');
    const agent = createAgent(
      parseAgentConfig(
        {
          tenantId: opts.tenantId,
          agentId: reg.agentId,
          mqtt: reg.mqtt,
          dataDir: join(dataDir, 'agent'),
          devices: [
            {
              id: 'reader-1',
              kind: 'barcodeReader',
              profile: 'generic-serial-nw7-reader',
              transport: { type: 'serial', path: pty.device, suffix: 'cr' },
            },
          ],
        },
        { file: 'bench', baseDir: dataDir },
      ),
      { logger: silent },
    );
    cleanups.unshift(() => agent.stop().catch(() => {}));
    await agent.start();
    await core.deviceReported(reg.agentId, 'reader-1', 'ok');

    // core-side MQTT clients: a watcher on the agent's event topic, and the baseline's publisher
    // (its own connection, as the agent's is: broker → watcher is the hop a scan takes to the core)
    const arrivals = new Arrivals();
    const connect = async () => {
      const client = await mqtt.connectAsync(core.url, {
        clientId: `bunko-bench-${randomUUID().slice(0, 8)}`,
        ...core.coreLogin,
        reconnectPeriod: 0,
      });
      cleanups.unshift(() => client.endAsync(true));
      return client;
    };
    const watcher = await connect();
    const publisher = await connect();
    const eventTopic = topics.event(opts.tenantId, reg.agentId);
    const echoTopic = `${TOPIC_ROOT}/bench/${randomUUID()}/echo`;
    watcher.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString('utf8')) as { data?: string; n?: number };
      if (topic === eventTopic) arrivals.note(`mqtt:${body.data}`);
      else if (topic === echoTopic) arrivals.note(`echo:${body.n}`);
    });
    await watcher.subscribeAsync([eventTopic, echoTopic], { qos: 1 });

    const cookie = await core.counterLogin(opts.tenantCode);
    const stream = await openScanStream(core.base, cookie, arrivals);
    cleanups.unshift(() => stream.close());
    await arrivals.next('pairing');

    // the reader's end of the line, open for the whole run as a reader's would be
    const fd = openSync(pty.host, 'w');
    cleanups.push(() => closeSync(fd));
    const scan = (text: string) => writeSync(fd, Buffer.from(`${text}\r`, 'latin1'));

    const issued = await fetch(`${core.base}/api/scans/pairing-code`, {
      method: 'POST',
      headers: { cookie, origin: core.base },
    });
    const { barcode } = (await issued.json()) as { barcode: string };
    scan(barcode);
    await arrivals.next('paired');

    const rng = new Rng(opts.seed).fork('scan-latency');
    const out: ScanLatency = { mqtt: [], agent: [], browser: [], cpuMsPerScan: 0, load: [0, 0] };
    const warmup = 5;
    let cpu = process.cpuUsage();
    for (let i = 0; i < opts.scans + warmup; i++) {
      if (i === warmup) {
        cpu = process.cpuUsage();
        out.load[0] = loadavg()[0]!;
      }
      // baseline: publish → subscribe on the same broker, the agent's QoS
      const tp = performance.now();
      const echoed = arrivals.next(`echo:${i}`);
      await publisher.publishAsync(echoTopic, JSON.stringify({ n: i }), { qos: 1 });
      const rtt = (await echoed) - tp;

      // a person's pause before the next scan: pace ± 50 %
      await new Promise((r) => setTimeout(r, opts.paceMs * (0.5 + rng.next())));
      const data = itemBarcode(1 + i);
      const atBroker = arrivals.next(`mqtt:${data}`);
      const atBrowser = arrivals.next(`scan:${data}`);
      const t0 = performance.now();
      scan(data);
      const browser = (await atBrowser) - t0;
      const agentPart = (await atBroker) - t0;
      if (i >= warmup) {
        out.mqtt.push(rtt);
        out.agent.push(agentPart);
        out.browser.push(browser);
      }
    }
    const used = process.cpuUsage(cpu);
    out.cpuMsPerScan = (used.user + used.system) / 1000 / opts.scans;
    out.load[1] = loadavg()[0]!;
    return out;
  } finally {
    for (const c of cleanups) await c();
    await core.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

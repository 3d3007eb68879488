/**
 * Checkout to receipt bytes, over real sockets: the counter's HTTP checkout and receipt requests go
 * to the core served on a loopback port, the core sends the job over MQTT (the embedded aedes broker
 * on TCP) to an edge agent, which journals it (fsync) and writes ESC/POS to a TCP 9100 listener.
 * The clock stops when the listener has the whole receipt. Baselines measured in the same run: the
 * checkout request alone, and an MQTT round trip core → agent → core (ping).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../cloud/src/db/client.ts';
import { createAgent } from '../../edge-agent/src/agent.ts';
import { parseAgentConfig } from '../../edge-agent/src/config.ts';
import { listenLoopback, silent, startBenchCore } from './bench-core.ts';
import { pickPairs } from './circulation.ts';

export type ReceiptLatency = { checkout: number[]; receipt: number[]; ping: number[] };

/** A TCP 9100 printer that resolves the waiting receipt when its connection ends. */
async function receiptListener() {
  let waiting: ((bytes: number) => void) | undefined;
  const server = createServer((socket) => {
    let n = 0;
    socket.on('data', (c) => {
      n += c.length;
    });
    socket.on('end', () => {
      const t = waiting;
      waiting = undefined;
      t?.(n);
      socket.end();
    });
    socket.on('error', () => {});
  });
  const port = await listenLoopback(server);
  return {
    port,
    next: () => new Promise<number>((resolve) => (waiting = resolve)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function receiptLatencyBench(
  database: Database,
  opts: { tenantCode: string; tenantId: string; rounds: number },
): Promise<ReceiptLatency> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bunko-bench-agent-'));
  const core = await startBenchCore(database, { tenantId: opts.tenantId, dataDir });
  const { bridge, base } = core;
  const printer = await receiptListener();

  const reg = await core.register('ベンチ カウンター');
  const agent = createAgent(
    parseAgentConfig(
      {
        tenantId: opts.tenantId,
        agentId: reg.agentId,
        mqtt: reg.mqtt,
        dataDir,
        devices: [
          {
            id: 'receipt-1',
            kind: 'receiptPrinter',
            profile: 'epson-tm-t88vi',
            transport: { type: 'tcp9100', host: '127.0.0.1', port: printer.port },
          },
        ],
      },
      { file: 'bench', baseDir: dataDir },
    ),
    { logger: silent },
  );
  try {
    await agent.start();
    await core.deviceReported(reg.agentId, 'receipt-1');
    const cookie = await core.counterLogin(opts.tenantCode);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: base },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    const { pairs, locationId } = await pickPairs(database, opts.tenantId, opts.rounds + 5);
    const out: ReceiptLatency = { checkout: [], receipt: [], ping: [] };
    for (const [i, { card, item }] of pairs.entries()) {
      const warmup = i < 5;
      // baseline 1: an MQTT round trip through the broker to the agent and back
      const tp = performance.now();
      const pong = await bridge.request(opts.tenantId, reg.agentId, {
        transaction: randomUUID(),
        action: 'ping',
        sentAt: new Date().toISOString(),
      });
      if (!pong.ok) throw new Error('ping failed');
      const ping = performance.now() - tp;

      const t0 = performance.now();
      const bytes = printer.next();
      const lent = await post('/api/circulation/checkout', {
        patron: { cardBarcode: card },
        itemBarcode: item,
        locationId,
        idempotencyKey: randomUUID(),
      });
      const checkout = performance.now() - t0;
      const printing = post('/api/print-jobs/checkout-receipt', {
        agentId: reg.agentId,
        deviceKey: 'receipt-1',
        loanIds: [lent.loanId],
      });
      if ((await bytes) === 0) throw new Error('the receipt was empty');
      const receipt = performance.now() - t0;
      const job = await printing;
      if (job.state !== 'done') throw new Error(`receipt job ended ${job.state}: ${job.reason}`);
      await post('/api/circulation/return', { itemBarcode: item, locationId });
      if (!warmup) {
        out.ping.push(ping);
        out.checkout.push(checkout);
        out.receipt.push(receipt);
      }
    }
    return out;
  } finally {
    await agent.stop().catch(() => {});
    await printer.close();
    await core.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

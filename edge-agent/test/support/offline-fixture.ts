import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OfflinePackage } from '@bunko/protocols';
import pino from 'pino';
import { createAgent } from '../../src/agent.ts';
import { parseAgentConfig } from '../../src/config.ts';
import { OfflineMode } from '../../src/offline/offline-mode.ts';
import { savePackage } from '../../src/offline/package-store.ts';

export const STATION_ID = '7b0c1c59-6a8e-4a44-9d5b-3c8f0f1c2a01';
export const BOOKMOBILE_ID = '7b0c1c59-6a8e-4a44-9d5b-3c8f0f1c2a00';

const day = (d: Date, n: number) => {
  const x = new Date(d.getTime() + n * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(x);
};

/**
 * A package as the core sends it: one station visited today and every 14 days, NW-7 cards of
 * 8 digits and labels of 7 (start/stop A, sent or not), a few blocked cards and items.
 */
export function testPackage(now = new Date()): OfflinePackage {
  const nw7 = {
    symbology: 'nw7' as const,
    length: 8,
    checkDigit: 'none' as const,
    checkDigitTransmitted: 'always' as const,
    sevenDsrZeroAs: '0' as const,
    canonicalForm: 'withCheckDigit' as const,
    prefixes: [],
    startChars: ['A' as const],
    stopChars: ['A' as const],
    startStopTransmitted: 'either' as const,
  };
  return {
    version: 'v1',
    generatedAt: now.toISOString(),
    bookmobileId: BOOKMOBILE_ID,
    barcodes: { patronCard: nw7, itemLabel: { ...nw7, length: 7 } },
    loanDays: 14,
    stations: [
      {
        locationId: STATION_ID,
        code: 'kabira',
        nameJa: '川平公民館',
        visits: [0, 14, 28].map((n) => day(now, n)),
      },
    ],
    blocked: { '20000003': 'expired', '20000004': 'suspended', '20000005': 'overdues' },
    items: { '3000001': ['星砂の島', true], '3000002': ['星砂の島', true], '3000007': ['郷土資料', false] },
  };
}

/** The offline counter as the agent runs it, never connected, in a scratch data directory. */
export async function offlineCounterOnly(port = 0) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bunko-offline-page-'));
  mkdirSync(join(dataDir, 'offline'));
  await savePackage(join(dataDir, 'offline'), testPackage());
  const mode = new OfflineMode(
    { bookmobileId: BOOKMOBILE_ID, host: '127.0.0.1', port, packageIntervalMinutes: 15 },
    {
      dataDir,
      logger: pino({ level: 'silent' }),
      now: () => new Date(),
      publish: () => undefined,
      connected: () => false,
    },
  );
  await mode.start();
  return {
    mode,
    url: mode.url,
    dataDir,
    async close() {
      await mode.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The whole agent of a bookmobile out of coverage (its broker address refuses connections), with
 * its receipt printer on TCP 9100 at `printerPort`: the offline counter page and the agent's own
 * print jobs, as `npm run agent` runs them.
 */
export async function offlineAgent(opts: { brokerPort: number; printerPort: number }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bunko-offline-agent-'));
  mkdirSync(join(dataDir, 'offline'));
  await savePackage(join(dataDir, 'offline'), testPackage());
  const config = parseAgentConfig(
    {
      tenantId: randomUUID(),
      agentId: randomUUID(),
      mqtt: {
        url: `mqtt://127.0.0.1:${opts.brokerPort}`,
        username: 'bookmobile',
        password: 'out-of-coverage',
        reconnectMs: 60_000,
      },
      dataDir,
      devices: [
        {
          id: 'receipt-1',
          kind: 'receiptPrinter',
          profile: 'epson-tm-t88vi',
          transport: { type: 'tcp9100', host: '127.0.0.1', port: opts.printerPort },
        },
      ],
      offline: { bookmobileId: BOOKMOBILE_ID, port: 0 },
    },
    { file: 'test', baseDir: dataDir },
  );
  const agent = createAgent(config, { logger: pino({ level: 'silent' }) });
  await agent.start();
  return {
    agent,
    url: agent.offline!.url,
    async close() {
      await agent.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

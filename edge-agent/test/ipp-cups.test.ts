import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { overdueLetter, pullList } from '@bunko/protocols';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { submitPrintJob } from '../../cloud/src/domain/printing/print-jobs.ts';
import { adminCtx } from '../../cloud/test/support/test-app.ts';
import type { Agent } from '../src/agent.ts';
import { jobFileName } from '../src/drivers/virtual-printer.ts';
import { IppClient } from '../src/ipp.ts';
import {
  type Core,
  deviceRow,
  printRequest,
  startCore,
  startTestAgent,
  testBrokers,
} from './support/core.ts';
import { cupsDisable, findCupsPdfOutput, pdfToText, setUpCupsPdf } from './support/cups.ts';

const cups = setUpCupsPdf();
if (!cups.ok) console.warn(`IPP/CUPS tests skipped: ${cups.reason}`);

const letter = overdueLetter({
  libraryNameJa: '石垣市立図書館',
  libraryAddressLines: ['〒907-0004', '沖縄県石垣市登野城2-1'],
  libraryPhone: '0980-83-3862',
  patronAddressLines: ['〒907-0022', '沖縄県石垣市大川1-2-3'],
  patronNameJa: '八重山 花子',
  issuedOn: '2026-12-01',
  loans: [
    { title: '沖縄の民話と伝説', itemBarcode: '100000017', dueOn: '2026-11-01' },
    { title: '石垣島の星空', itemBarcode: '100000025', dueOn: '2026-11-03' },
  ],
});

let core: Core;
const agents: Agent[] = [];

beforeAll(async () => {
  core = await startCore('ipp');
});

afterAll(async () => {
  for (const a of agents) await a.stop().catch(() => {});
  await core?.close();
  if (cups.ok) cupsDisable(false);
});

const url = cups.ok ? cups.url : '';

describe.skipIf(!cups.ok).each(testBrokers)('a letter over $name, IPP to CUPS (cups-pdf)', ({ external }) => {
  // its own core on this broker (the outer one serves the tests below), its agents stopped before it closes
  let core: Core;
  const own: Agent[] = [];
  beforeAll(async () => {
    core = await startCore('ippletter', external ? { externalBrokerUrl: external } : {});
  });
  afterAll(async () => {
    for (const a of own) await a.stop().catch(() => {});
    await core?.close();
  });

  it('a letter reaches cups-pdf with its Japanese text, and the job ends completed', async () => {
    const { agent, agentId } = await startTestAgent(core, 'ipp-1', [
      {
        id: 'office-1',
        kind: 'colorPrinter',
        profile: 'generic-ipp-a4',
        transport: { type: 'ipp', url, pollMs: 100 },
      },
    ]);
    own.push(agent);
    const jobId = randomUUID();
    const res = await core.request(agentId, printRequest('office-1', letter, { jobId }));
    expect(res.error).toBeUndefined();
    expect(res.result).toMatchObject({ printed: true, ippJobState: 'completed' });
    expect(res.result?.ippJobId).toBeTypeOf('number');

    const name = `bunko-overdue-letter-${jobId.slice(0, 8)}`;
    const file = await vi.waitFor(
      () => {
        const f = findCupsPdfOutput(name);
        expect(f).toBeDefined();
        return f!;
      },
      { timeout: 20_000, interval: 100 },
    );
    const text = pdfToText(file);
    for (const s of [
      '図書返却のお願い',
      '八重山 花子 様',
      '沖縄の民話と伝説',
      '石垣島の星空',
      '令和8年11月1日',
      '石垣市立図書館',
    ])
      expect(text).toContain(s);
    expect((await deviceRow(core, agentId, 'office-1'))?.status).toBe('ok');

    // through the core: the job is recorded, sent, followed at CUPS and ends done
    const job = await submitPrintJob(adminCtx(core.database, core.tenantId, core.adminId), core.bridge, {
      agentId,
      deviceKey: 'office-1',
      document: letter,
    });
    expect(job).toMatchObject({ state: 'done', document: 'overdue-letter', reason: null });
    await vi.waitFor(
      () => expect(findCupsPdfOutput(`bunko-overdue-letter-${job.id.slice(0, 8)}`)).toBeDefined(),
      {
        timeout: 20_000,
        interval: 100,
      },
    );
  });
});

describe.skipIf(!cups.ok)('PDF over IPP to CUPS (cups-pdf)', () => {
  it('reads the printer state back: a stopped queue is reported to the core, and so is its return', async () => {
    const { agent, agentId } = await startTestAgent(core, 'ipp-2', [
      {
        id: 'office-2',
        kind: 'colorPrinter',
        profile: 'generic-ipp-a4',
        transport: { type: 'ipp', url },
        statusIntervalMs: 100,
      },
    ]);
    agents.push(agent);
    try {
      expect(cupsDisable(true)).toBe(true);
      await vi.waitFor(
        async () => {
          const d = await deviceRow(core, agentId, 'office-2');
          expect(d?.status).toBe('error');
          expect(d?.detail).toMatch(/^stopped: paused/);
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      cupsDisable(false);
    }
    await vi.waitFor(async () => expect((await deviceRow(core, agentId, 'office-2'))?.status).toBe('ok'), {
      timeout: 10_000,
      interval: 100,
    });
  });

  it('a job the printer refuses fails with its reason and may be tried again', async () => {
    const client = new IppClient(`${url}-missing`, { timeoutMs: 5000, userName: 'bunko' });
    await expect(client.getPrinter()).rejects.toMatchObject({ code: 'printFailed', retryable: true });
  });
});

describe('PDF rendering without a printer', () => {
  it('the virtual page printer writes the PDF, Japanese font embedded as a subset', async () => {
    const { agent, agentId, dataDir } = await startTestAgent(core, 'pdf-virtual', [
      { id: 'office-v', kind: 'colorPrinter', profile: 'generic-ipp-a4', transport: { type: 'virtual' } },
    ]);
    agents.push(agent);
    const rows = Array.from({ length: 80 }, (_, i) => ({
      location: '一般書架',
      callNumber: `219.9/イ/${i + 1}`,
      title: `八重山の歴史 第${i + 1}巻`,
      itemBarcode: `1${String(i).padStart(8, '0')}`,
      pickupJa: '本館',
    }));
    const jobId = randomUUID();
    const res = await core.request(
      agentId,
      printRequest('office-v', pullList({ libraryNameJa: '石垣市立図書館', createdAt: new Date(), rows }), {
        jobId,
      }),
    );
    expect(res.ok).toBe(true);
    const file = join(dataDir, 'prints', 'office-v', jobFileName(jobId, 'pdf'));
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfToText(file);
    expect(text).toContain('予約資料 抜き出しリスト（80件）');
    expect(text).toContain('八重山の歴史 第80巻');
    // the font is embedded as a subset: a six-letter tag before its name, emb and sub both yes
    const fonts = spawnSync('pdffonts', [file], { encoding: 'utf8' }).stdout;
    expect(fonts).toMatch(/[A-Z]{6}\+\S+\s+CID (TrueType|Type 0C)\s+Identity-H\s+yes\s+yes\s+yes/);
    // the table continued on a second page, header repeated
    expect(text.split('\f').filter((p) => p.includes('請求記号')).length).toBeGreaterThan(1);
  });
});

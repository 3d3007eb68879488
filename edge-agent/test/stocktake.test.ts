import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { locations, stocktakeBatches, stocktakeScans } from '../../cloud/src/db/schema/index.ts';
import { openStocktake, stocktakeProgress } from '../../cloud/src/domain/stocktake/sessions.ts';
import { silentLogger } from '../../cloud/test/support/test-app.ts';
import { type Agent, createAgent } from '../src/agent.ts';
import { OUTBOX_DIR } from '../src/stocktake-outbox.ts';
import { agentConfig, type Core, startCore, testBrokers } from './support/core.ts';

const haveSocat = spawnSync('socat', ['-V']).status === 0;

/** A CP932 file as a DENSO/Keyence-class terminal writes it: header, then terminal, shelf, barcode, time. */
const handheldCsv = (shelf: string, barcodes: string[]) =>
  iconv.encode(
    `${[
      '端末ID,棚,バーコード,読取日時',
      ...barcodes.map((b, i) => `BHT-01,${shelf},${b},2026/11/20 09:${String(i % 60).padStart(2, '0')}:00`),
    ].join('\r\n')}\r\n`,
    'cp932',
  );

/** The agent ↔ core stock-take path over one broker: the embedded aedes, or MQTT_URL (Mosquitto). */
describe.each(testBrokers)('handheld batches to the core over $name', ({ external }) => {
  let core: Core;
  const agents: Agent[] = [];
  const children: ChildProcess[] = [];
  let sessionId: string;

  const startAgent = async (
    creds: Awaited<ReturnType<Core['register']>>,
    dataDir: string,
    devices: unknown[],
  ) => {
    const agent = createAgent(agentConfig(core, creds, dataDir, devices), { logger: silentLogger });
    agents.push(agent);
    await agent.start();
    return agent;
  };
  const batches = () =>
    core.database.db.select().from(stocktakeBatches).where(eq(stocktakeBatches.tenantId, core.tenantId));
  const scansOf = (batchId: string) =>
    core.database.db
      .select({ barcode: stocktakeScans.barcode, shelfTag: stocktakeScans.shelfTag })
      .from(stocktakeScans)
      .where(and(eq(stocktakeScans.tenantId, core.tenantId), eq(stocktakeScans.batchId, batchId)));

  beforeAll(async () => {
    core = await startCore(external ? 'stx' : 'sta', external ? { externalBrokerUrl: external } : {});
  });
  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => {});
    for (const c of children) c.kill('SIGKILL');
    await core?.close();
  });

  it('keeps a batch durably while no session is open, across an agent restart, and delivers it after', async () => {
    const creds = await core.register('nas-1');
    const dataDir = core.tempDir();
    const folder = core.tempDir('bunko-drop-');
    const device = {
      id: 'bht-dock',
      kind: 'handheld',
      profile: 'generic-handheld-csv-cp932',
      transport: { type: 'dropFolder', path: folder, settleMs: 300 },
    };
    const first = await startAgent(creds, dataDir, [device]);
    writeFileSync(join(folder, 'early.csv'), handheldCsv('main', ['1000001', '1000002']));
    // stored in the outbox, refused by the core (no session), kept
    await vi.waitFor(
      () => expect(readdirSync(join(dataDir, OUTBOX_DIR)).filter((f) => f.endsWith('.json'))).toHaveLength(1),
      {
        timeout: 15_000,
      },
    );
    await first.stop();
    expect(existsSync(join(folder, 'early.csv'))).toBe(true);
    expect(await batches()).toEqual([]);

    const opened = await openStocktake(core.ctx, {
      nameJa: '蔵書点検',
      locationIds: [await mainLocation(core)],
    });
    sessionId = opened.id;
    await startAgent(creds, dataDir, [device]);
    await vi.waitFor(async () => expect(await batches()).toHaveLength(1), { timeout: 15_000 });
    await vi.waitFor(() => expect(existsSync(join(folder, 'processed', 'early.csv'))).toBe(true), {
      timeout: 15_000,
    });
    expect(existsSync(join(folder, 'early.csv'))).toBe(false);
    await vi.waitFor(() =>
      expect(readdirSync(join(dataDir, OUTBOX_DIR)).filter((f) => f.endsWith('.json'))).toEqual([]),
    );
  });

  it('counts a CSV dropped twice once, takes a file only when fully written, and reports bad lines', async () => {
    const creds = await core.register('nas-2');
    const folder = core.tempDir('bunko-drop-');
    await startAgent(creds, core.tempDir(), [
      {
        id: 'bht-dock',
        kind: 'handheld',
        profile: 'generic-handheld-csv-cp932',
        // long enough that the second half below always lands inside it
        transport: { type: 'dropFolder', path: folder, settleMs: 3000 },
      },
    ]);
    const before = (await batches()).length;
    const shelf = handheldCsv('main/一般', ['1000003', '1000004', '', '1000005']);
    writeFileSync(join(folder, 'shelf-a.csv'), shelf);
    await vi.waitFor(() => expect(existsSync(join(folder, 'processed', 'shelf-a.csv'))).toBe(true), {
      timeout: 20_000,
    });
    // the terminal is docked again: the same data, another file name
    writeFileSync(join(folder, 'shelf-a-again.csv'), shelf);
    await vi.waitFor(() => expect(existsSync(join(folder, 'processed', 'shelf-a-again.csv'))).toBe(true), {
      timeout: 20_000,
    });
    // two copies at once (before the core has answered the first): both cleared, counted once
    const twin = handheldCsv('main/児童', ['1000006']);
    writeFileSync(join(folder, 'twin-1.csv'), twin);
    writeFileSync(join(folder, 'twin-2.csv'), twin);
    await vi.waitFor(
      () =>
        expect(['twin-1.csv', 'twin-2.csv'].every((f) => existsSync(join(folder, 'processed', f)))).toBe(
          true,
        ),
      { timeout: 20_000 },
    );
    const all = await batches();
    expect(all).toHaveLength(before + 2);
    const batch = all.find((b) => b.origin === 'shelf-a.csv')!;
    expect(batch).toMatchObject({ scanCount: 3, rejectedCount: 1, terminalId: 'BHT-01', source: 'agent' });
    expect(batch.rejectedLines).toEqual([{ line: 4, reason: 'empty barcode' }]);
    expect((await scansOf(batch.id)).map((s) => s.barcode).sort()).toEqual(['1000003', '1000004', '1000005']);

    // a file written in two pieces is taken whole, never as its first half
    const big = handheldCsv(
      'main/児童',
      Array.from({ length: 400 }, (_, i) => `2${String(i).padStart(6, '0')}`),
    );
    const cut = big.indexOf(0x0a, Math.floor(big.length / 2)) + 1;
    const fd = openSync(join(folder, 'slow.csv'), 'w');
    writeSync(fd, big.subarray(0, cut));
    // the watcher sees the file now; without the settle time it would take these 200 lines
    await new Promise((r) => setTimeout(r, 500));
    writeSync(fd, big.subarray(cut));
    closeSync(fd);
    await vi.waitFor(() => expect(existsSync(join(folder, 'processed', 'slow.csv'))).toBe(true), {
      timeout: 20_000,
    });
    const slow = (await batches()).filter((b) => b.origin === 'slow.csv');
    expect(slow.map((b) => b.scanCount)).toEqual([400]);
    expect(readFileSync(join(folder, 'processed', 'slow.csv')).equals(big)).toBe(true);

    const progress = await stocktakeProgress(core.ctx, sessionId);
    expect(progress.shelfTags.find((s) => s.shelfTag === 'main/一般')).toEqual({
      shelfTag: 'main/一般',
      scans: 3,
      barcodes: 3,
    });
  });

  it.skipIf(!haveSocat)(
    'takes a serial cradle transfer, answers ACK once stored and NAK when cut short',
    async () => {
      const creds = await core.register('pc-cradle');
      const dir = core.tempDir('bunko-pty-');
      const reader = join(dir, 'cradle');
      const host = join(dir, 'terminal');
      const child = spawn(
        'socat',
        ['-d', '-d', `pty,raw,echo=0,link=${reader}`, `pty,raw,echo=0,link=${host}`],
        {
          stdio: 'ignore',
        },
      );
      children.push(child);
      await vi.waitFor(() => expect(existsSync(reader) && existsSync(host)).toBe(true));
      const dataDir = core.tempDir();
      await startAgent(creds, dataDir, [
        {
          id: 'cradle-1',
          kind: 'handheld',
          profile: 'generic-handheld-cradle',
          transport: { type: 'serial', path: reader, baudRate: 9600 },
        },
      ]);
      await vi.waitFor(
        async () =>
          expect((await core.deviceRows(creds.agentId)).find((d) => d.deviceKey === 'cradle-1')?.status).toBe(
            'ok',
          ),
        { timeout: 15_000 },
      );
      // the terminal's side of the line: what it sends, and what the agent answers
      const terminal = openSync(host, 'r+');
      const answers: string[] = [];
      let pending = '';
      const stream = createReadStream('', { fd: terminal, autoClose: true });
      stream.on('error', () => {});
      stream.on('data', (b) => {
        pending += b.toString('latin1');
        for (let at = pending.indexOf('\r\n'); at >= 0; at = pending.indexOf('\r\n')) {
          answers.push(pending.slice(0, at));
          pending = pending.slice(at + 2);
        }
      });
      const send = (lines: string[]) =>
        writeSync(terminal, iconv.encode(lines.map((l) => `${l}\r\n`).join(''), 'cp932'));
      try {
        send([
          'H,BHT-09,branch',
          '1000006,20261120101500',
          '1000007,20261120101502',
          'S,main/一般',
          '1000008,20261120101510',
          'E,3',
        ]);
        await vi.waitFor(() => expect(answers).toEqual(['ACK,3']), { timeout: 15_000 });
        // ACK means stored on the agent's disk; the upload to the core follows
        const cradle = await vi.waitFor(
          async () => {
            const b = (await batches()).find((x) => x.origin === 'serial');
            expect(b).toMatchObject({ terminalId: 'BHT-09', scanCount: 3, deviceKey: 'cradle-1' });
            return b!;
          },
          { timeout: 15_000 },
        );
        expect((await scansOf(cradle!.id)).map((s) => `${s.barcode}@${s.shelfTag}`).sort()).toEqual([
          '1000006@branch',
          '1000007@branch',
          '1000008@main/一般',
        ]);
        // cut short (count says 5): refused, nothing stored; sent again whole: counted once
        const count = (await batches()).length;
        send(['H,BHT-09', '1000009,20261120102000', 'E,5']);
        await vi.waitFor(() => expect(answers).toEqual(['ACK,3', 'NAK,count 5, 1 lines received']), {
          timeout: 15_000,
        });
        send([
          'H,BHT-09,branch',
          '1000006,20261120101500',
          '1000007,20261120101502',
          'S,main/一般',
          '1000008,20261120101510',
          'E,3',
        ]);
        await vi.waitFor(() => expect(answers).toHaveLength(3), { timeout: 15_000 });
        expect(answers[2]).toBe('ACK,3');
        // the redock reached the core and was answered (the outbox is empty again), adding nothing
        await vi.waitFor(
          () => expect(readdirSync(join(dataDir, OUTBOX_DIR)).filter((f) => f.endsWith('.json'))).toEqual([]),
          { timeout: 15_000 },
        );
        expect((await batches()).length).toBe(count);
      } finally {
        stream.destroy(); // closes the terminal's side
      }
    },
  );
});

async function mainLocation(core: Core): Promise<string> {
  const [row] = await core.database.db
    .insert(locations)
    .values({ tenantId: core.tenantId, code: 'main', nameJa: '本館', nameEn: 'Main', kind: 'library' })
    .returning();
  return row!.id;
}

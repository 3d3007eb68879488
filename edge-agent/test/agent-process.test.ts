import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { agents } from '../../cloud/src/db/schema/index.ts';
import { ensureDemoAgentConfig } from '../../cloud/src/demo/demo-agent.ts';
import { loadAgentConfig } from '../src/config.ts';
import { encodeCp932 } from '../src/cp932.ts';
import { killAgents, spawnAgent } from './support/agent-process.ts';
import { type Core, capturePrinter, ping, printRequest, startCore, testBrokers } from './support/core.ts';

let core: Core;

const status = async (agentId: string) => (await core.agentRow(agentId))?.status;
const waitStatus = (agentId: string, want: string) =>
  vi.waitFor(async () => expect(await status(agentId)).toBe(want), { timeout: 60_000, interval: 50 });

beforeAll(async () => {
  core = await startCore('proc');
});

afterAll(async () => {
  killAgents();
  await core?.close();
});

describe('the agent process (edge-agent/src/main.ts)', { timeout: 120_000 }, () => {
  it('runs the demo agent config from the core: online, prints to demo-prints, new secret at every start', async () => {
    const dataDir = core.tempDir('bunko-demo-');
    const file = await ensureDemoAgentConfig(core.database.db, core.tenantId, dataDir, core.url);
    expect(file).toBe(join(dataDir, 'demo-agent.json'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = loadAgentConfig(file);
    expect(config.devices.map((d) => [d.id, d.kind, d.profile])).toEqual([
      ['receipt-1', 'receiptPrinter', 'epson-tm-t88vi'],
      ['label-1', 'labelPrinter', 'epson-tm-l90'],
      ['office-1', 'colorPrinter', 'generic-ipp-a4'],
      ['scanner-1', 'barcodeReader', 'virtual-reader'],
    ]);

    const first = spawnAgent(file);
    await waitStatus(config.agentId, 'online');
    const res = await core.request(config.agentId, printRequest('receipt-1', ['デモ印刷']));
    expect(res).toMatchObject({ ok: true, result: { printed: true } });
    const prints = join(dataDir, 'demo-prints');
    const [receipt] = readdirSync(prints).filter((f) => f.endsWith('.txt'));
    expect(readFileSync(join(prints, receipt!), 'utf8')).toBe('デモ印刷\n');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // a second start keeps the one agent row and issues a new secret the agent can log in with
    const again = await ensureDemoAgentConfig(core.database.db, core.tenantId, dataDir, core.url);
    const second = loadAgentConfig(again);
    expect(second.agentId).toBe(config.agentId);
    expect(second.mqtt.password).not.toBe(config.mqtt.password);
    const rows = await core.database.db
      .select({ id: agents.id, nameJa: agents.nameJa })
      .from(agents)
      .where(and(eq(agents.tenantId, core.tenantId), eq(agents.code, 'demo-counter')));
    expect(rows).toEqual([{ id: config.agentId, nameJa: 'カウンター端末(デモ)' }]);
    const next = spawnAgent(again);
    await waitStatus(config.agentId, 'online');
    expect((await core.request(config.agentId, ping())).ok).toBe(true);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it('publishes offline on SIGTERM and exits 0', async () => {
    const creds = await core.register('sigterm-1');
    const file = writeConfig(creds);
    const p = spawnAgent(file);
    await waitStatus(creds.agentId, 'online');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    await waitStatus(creds.agentId, 'offline');
  });

  it('is marked offline by its last will when the process is killed', async () => {
    const creds = await core.register('killed-1');
    const p = spawnAgent(writeConfig(creds));
    await waitStatus(creds.agentId, 'online');
    p.child.kill('SIGKILL');
    await p.exited;
    await waitStatus(creds.agentId, 'offline');
  });

  it('exits 2 naming the bad field when the config is wrong', async () => {
    const dir = core.tempDir();
    const file = join(dir, 'agent.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenantId: core.tenantId,
        agentId: randomUUID(),
        mqtt: { url: core.url, username: 'x', password: 'y' },
        dataDir: dir,
        devices: [
          {
            id: 'r1',
            kind: 'receiptPrinter',
            profile: 'epson-tm-t88vi',
            transport: { type: 'tcp9100', host: 'printer', port: 'nine' },
          },
        ],
      }),
    );
    const p = spawnAgent(file);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/devices\[0\]\.transport\.port/);
    const missing = spawnAgent(join(dir, 'nope.json'));
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toMatch(/nope\.json.*cannot read \(ENOENT\)/);
  });
});

describe.each(testBrokers)(
  'an agent process killed mid-job, over $name',
  { timeout: 120_000 },
  ({ external }) => {
    let here: Core;
    let printer: Awaited<ReturnType<typeof capturePrinter>>;
    beforeAll(async () => {
      here = await startCore('crash', external ? { externalBrokerUrl: external } : {});
      printer = await capturePrinter();
    });
    afterAll(async () => {
      killAgents();
      printer?.release();
      await printer?.close();
      await here?.close();
    });

    it('SIGKILL while the receipt prints, restart on the same data directory, the same jobId again: no second receipt', async () => {
      const creds = await here.register('crash-1');
      const file = writeConfig(creds, here, { type: 'tcp9100', host: '127.0.0.1', port: printer.port });
      const online = () =>
        vi.waitFor(async () => expect((await here.agentRow(creds.agentId))?.status).toBe('online'), {
          timeout: 60_000,
          interval: 50,
        });
      const first = spawnAgent(file);
      await online();
      printer.hold();
      const jobId = randomUUID();
      const request = printRequest('receipt-1', ['落ちる前の貸出票'], { jobId });
      // the answer never comes: the agent dies before it (the request ends in a timeout)
      const lost = here.request(creds.agentId, request).catch((e: unknown) => e);
      await vi.waitFor(() => expect(printer.jobs).toHaveLength(1), { timeout: 30_000, interval: 20 });
      first.child.kill('SIGKILL'); // the journal says started, nothing after
      await first.exited;
      printer.release();
      await vi.waitFor(async () => expect((await here.agentRow(creds.agentId))?.status).toBe('offline'), {
        timeout: 60_000,
        interval: 50,
      });

      const second = spawnAgent(file);
      await online();
      // the core sends the job again with its jobId: the agent will not print what may have printed
      const again = await here.request(creds.agentId, { ...request, transaction: randomUUID() });
      expect(again).toMatchObject({ ok: false, error: { code: 'printInterrupted' } });
      // settled: asked once more, the same recorded answer, and still one receipt
      const third = await here.request(creds.agentId, { ...request, transaction: randomUUID() });
      expect(third).toMatchObject({ ok: false, error: { code: 'printInterrupted' } });
      expect(printer.jobs).toHaveLength(1);
      expect(printer.jobs[0]!.includes(Buffer.from(encodeCp932('落ちる前の貸出票')))).toBe(true);
      await lost;
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    });
  },
);

function writeConfig(
  creds: { agentId: string; username: string; password: string },
  on: Core = core,
  transport: Record<string, unknown> = { type: 'virtual' },
): string {
  const dir = on.tempDir();
  const file = join(dir, 'agent.json');
  writeFileSync(
    file,
    JSON.stringify({
      tenantId: on.tenantId,
      agentId: creds.agentId,
      mqtt: { url: on.url, username: creds.username, password: creds.password, reconnectMs: 200 },
      dataDir: 'data',
      devices: [{ id: 'receipt-1', kind: 'receiptPrinter', profile: 'generic-escpos-58mm', transport }],
    }),
    { mode: 0o600 },
  );
  return file;
}

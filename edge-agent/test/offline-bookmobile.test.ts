import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentBridge } from '../../cloud/src/broker/agent-bridge.ts';
import { loans, offlineOperations, operationLog, patrons } from '../../cloud/src/db/schema/index.ts';
import { systemCtx } from '../../cloud/src/domain/context.ts';
import { registerAgent } from '../../cloud/src/domain/devices/agents.ts';
import { OfflineLink } from '../../cloud/src/domain/offline/agent-link.ts';
import { addBookmobile } from '../../cloud/test/support/bookmobile-fixture.ts';
import { makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { call, login, silentLogger } from '../../cloud/test/support/test-app.ts';
import { OFFLINE_JOURNAL_FILE } from '../src/offline/offline-journal.ts';
import { LOCAL_URL_FILE } from '../src/offline/offline-mode.ts';
import { type Core, startCore } from './support/core.ts';

const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The mobile router's link, as a TCP relay between the agent and the broker: `cut()` drops every
 * connection and refuses new ones (out of coverage), `restore()` listens on the same port again.
 */
async function mobileLink(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((inbound) => {
        const outbound = new Socket();
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
        }
        outbound.connect(target.port, target.host);
        inbound.pipe(outbound).pipe(inbound);
      });
      server.listen(port, '127.0.0.1', () => {
        const a = server!.address();
        port = typeof a === 'object' && a ? a.port : 0;
        resolve();
      });
    });
  await listen();
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return { url: () => `mqtt://127.0.0.1:${port}`, cut, restore: listen };
}

/** What the local counter API answers (status, or a recorded / refused operation). */
type LocalBody = Record<string, unknown> & {
  online?: boolean;
  package?: { items: number } | null;
  pending: { itemBarcode: string }[];
  messageJa?: string;
};

let core: Core;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await core?.close();
});
beforeAll(async () => {
  core = await startCore('bm-core');
});

const external = process.env.MQTT_URL;
const brokers = [
  { name: 'embedded aedes', code: 'bma' },
  ...(external ? [{ name: `external ${external}`, code: 'bmm' }] : []),
];

describe.each(brokers)('an offline bookmobile session over $name', { timeout: 240_000 }, ({ code }) => {
  let lib: Awaited<ReturnType<typeof makeLibrary>>;
  let bm: Awaited<ReturnType<typeof addBookmobile>>;
  let link: Awaited<ReturnType<typeof mobileLink>>;
  let bridge: AgentBridge | undefined;
  let configFile: string;
  let dataDir: string;
  let agent: { child: ChildProcess; exited: Promise<unknown> };
  let counter: string;

  const startAgent = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', mainTs, '--config', configFile], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    children.push(child);
    agent = { child, exited: new Promise((resolve) => child.once('exit', resolve)) };
  };
  const urlFile = () => join(dataDir, 'offline', LOCAL_URL_FILE);
  /** The bookmobile laptop's counter page API, as the page's script calls it. */
  const local = async (path: string, body?: unknown) => {
    const res = await fetch(new URL(path, readFileSync(urlFile(), 'utf8').trim()), {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as LocalBody };
  };
  const status = async () => (await local('/api/status')).body;
  const waitFor = (fn: () => Promise<unknown>) => vi.waitFor(fn, { timeout: 60_000, interval: 100 });
  const stopAgent = async (signal: NodeJS.Signals) => {
    agent.child.kill(signal);
    await agent.exited;
    if (existsSync(urlFile())) writeFileSync(urlFile(), '');
  };
  const restartAgent = async () => {
    startAgent();
    await waitFor(async () => expect(readFileSync(urlFile(), 'utf8')).toMatch(/^http/));
  };

  beforeAll(async () => {
    lib = await makeLibrary(core.database, code);
    bm = await addBookmobile(core.database, lib);
    const registered = await registerAgent(systemCtx(core.database.db, lib.tenantId, 'test'), {
      code: 'bookmobile-pc',
      nameJa: '移動図書館PC',
      locationId: bm.bookmobileId,
    });
    let brokerUrl = core.url;
    if (external) {
      bridge = new AgentBridge({
        url: external,
        db: core.database.db,
        logger: silentLogger,
        offline: new OfflineLink({ db: core.database.db, logger: silentLogger }),
      });
      await bridge.start();
      brokerUrl = external;
    }
    const target = new URL(brokerUrl);
    link = await mobileLink({ host: target.hostname, port: Number(target.port) });
    dataDir = core.tempDir('bunko-bookmobile-');
    configFile = join(dataDir, 'agent.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        tenantId: lib.tenantId,
        agentId: registered.id,
        mqtt: {
          url: link.url(),
          username: registered.mqttUsername,
          password: registered.mqttPassword,
          reconnectMs: 200,
        },
        dataDir: '.',
        offline: { bookmobileId: bm.bookmobileId, port: 0 },
      }),
    );
    counter = await login(core.app, code, 'counter');
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it('lends and takes back offline, survives a kill, and replays exactly once with conflicts listed', async () => {
    // Online: the agent downloads the package (block list, items, station visits).
    startAgent();
    await waitFor(async () => expect((await status()).package?.items).toBe(3));
    expect(await status()).toMatchObject({ online: true, station: bm.stationId, pending: [] });

    // Out of coverage.
    await link.cut();
    await waitFor(async () => expect((await status()).online).toBe(false));

    // Meanwhile at the main library: bob borrows 3000002 (its record said it was in), carol is suspended.
    const desk = await call(core.app, counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: lib.cards.bob },
      itemBarcode: '3000002',
      locationId: lib.mainId,
    });
    expect(desk.status).toBe(200);
    await core.database.db
      .update(patrons)
      .set({ status: 'suspended' })
      .where(eq(patrons.id, lib.patronIds.carol!));

    // At the station, offline.
    const lent = await local('/api/checkout', { patronBarcode: lib.cards.alice, itemBarcode: '3000001' });
    expect(lent.status).toBe(200);
    expect(lent.body).toMatchObject({ ok: true, title: '星砂の島', operation: { dueOn: bm.visits[1] } });
    const refused = await local('/api/checkout', {
      patronBarcode: lib.cards.expired,
      itemBarcode: '3000003',
    });
    expect(refused).toMatchObject({ status: 409, body: { ok: false, code: 'patron.expired' } });
    expect(refused.body.messageJa).toBe('利用者カードの有効期限が切れています');
    expect(
      (await local('/api/checkout', { patronBarcode: lib.cards.alice, itemBarcode: '3000002' })).status,
    ).toBe(200);
    expect(
      (await local('/api/checkout', { patronBarcode: lib.cards.carol, itemBarcode: '3000003' })).status,
    ).toBe(200);

    // The laptop is switched off hard in the middle of the session: everything acknowledged stays.
    await stopAgent('SIGKILL');
    await restartAgent();
    const afterCrash = await status();
    expect(afterCrash.online).toBe(false);
    expect(afterCrash.pending.map((p) => p.itemBarcode)).toEqual(['3000001', '3000002', '3000003']);
    expect((await local('/api/return', { itemBarcode: '3000001' })).status).toBe(200);
    const unknown = await local('/api/checkout', { patronBarcode: lib.cards.alice, itemBarcode: '9999999' });
    expect(unknown.body).toMatchObject({ ok: true, title: null, operation: { flags: ['itemNotInPackage'] } });
    const journalBeforeReplay = join(dataDir, 'journal-before-replay.jsonl');
    copyFileSync(join(dataDir, 'offline', OFFLINE_JOURNAL_FILE), journalBeforeReplay);

    // Back in coverage: the journal is replayed on its own.
    await link.restore();
    await waitFor(async () => expect(await status()).toMatchObject({ online: true, pending: [] }));

    const ops = await core.database.db
      .select()
      .from(offlineOperations)
      .where(eq(offlineOperations.tenantId, lib.tenantId))
      .orderBy(offlineOperations.seq);
    expect(ops.map((o) => [o.kind, o.itemBarcode, o.outcome, o.conflicts, o.notes])).toEqual([
      ['checkout', '3000001', 'applied', [], []],
      ['checkout', '3000002', 'applied', ['itemWasOnLoan'], []],
      ['checkout', '3000003', 'applied', ['patronSuspended'], []],
      ['return', '3000001', 'applied', [], []],
      ['checkout', '9999999', 'notApplied', ['itemNotFound'], []],
    ]);
    const conflicts = (await (await call(core.app, counter, 'GET', '/api/offline/conflicts')).json()) as {
      conflicts: { itemBarcode: string; conflicts: string[] }[];
    };
    expect(conflicts.conflicts.map((c) => [c.itemBarcode, c.conflicts])).toEqual([
      ['3000002', ['itemWasOnLoan']],
      ['3000003', ['patronSuspended']],
      ['9999999', ['itemNotFound']],
    ]);

    // The acknowledgement is lost (the laptop dies before writing it): the same operations go again.
    const snapshot = async () => ({
      loans: (await core.database.db.select().from(loans).where(eq(loans.tenantId, lib.tenantId))).map(
        (l) => [l.id, l.returnedAt?.toISOString() ?? null, l.patronId],
      ),
      offline: (await core.database.db.select().from(offlineOperations)).length,
      log: (await core.database.db.select().from(operationLog)).length,
    });
    const before = await snapshot();
    expect(
      (await core.database.db.select().from(loans).where(isNotNull(loans.idempotencyKey))).filter(
        (l) => l.tenantId === lib.tenantId,
      ),
    ).toHaveLength(3);
    await stopAgent('SIGKILL');
    copyFileSync(journalBeforeReplay, join(dataDir, 'offline', OFFLINE_JOURNAL_FILE));
    await restartAgent();
    await waitFor(async () => expect(await status()).toMatchObject({ online: true, pending: [] }));
    expect(await snapshot()).toEqual(before);
    await stopAgent('SIGTERM');
  });
});

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { operationLog } from '../../cloud/src/db/schema/index.ts';
import { collectMetrics } from '../../cloud/src/domain/monitoring/metrics.ts';
import { call, login } from '../../cloud/test/support/test-app.ts';
import { AGENT_RESTART_EXIT_CODE } from '../src/remote-config.ts';
import { supervise } from './support/agent-process.ts';
import { type Core, ping, printRequest, startCore, testBrokers } from './support/core.ts';

type AgentListRow = {
  id: string;
  status: string;
  version: string | null;
  configHash: string | null;
  startedAt: string | null;
  recentErrors: { source: string; code: string; message: string | null }[];
  devices: { deviceKey: string; status: string }[];
};

describe.each(testBrokers)('fleet monitoring over $name', { timeout: 180_000 }, ({ external }) => {
  let core: Core;
  let agent: ReturnType<typeof supervise> | undefined;

  beforeAll(async () => {
    core = await startCore('fleet', external ? { externalBrokerUrl: external } : {});
  });
  afterAll(async () => {
    await agent?.stop();
    await core?.close();
  });

  it('lists the agent, refuses a bad config, applies a good one, restarts on request, all logged and permission-checked', async () => {
    const creds = await core.register('fleet-1');
    const dir = core.tempDir();
    const configPath = join(dir, 'agent.json');
    const base = {
      tenantId: core.tenantId,
      agentId: creds.agentId,
      mqtt: { url: core.url, username: creds.username, reconnectMs: 200 },
      dataDir: 'data',
      devices: [
        {
          id: 'receipt-1',
          kind: 'receiptPrinter',
          profile: 'generic-escpos-58mm',
          transport: { type: 'virtual' },
        },
      ],
    };
    const original = `${JSON.stringify({ ...base, mqtt: { ...base.mqtt, password: creds.password } })}\n`;
    writeFileSync(configPath, original, { mode: 0o600 });
    agent = supervise(configPath);

    const it = await login(core.app, 'fleet', 'it');
    const counter = await login(core.app, 'fleet', 'counter');
    const list = async () => {
      const res = await call(core.app, it, 'GET', '/api/agents');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { agents: AgentListRow[] };
      return body.agents.find((a) => a.id === creds.agentId)!;
    };
    const online = async (check: (row: AgentListRow) => void = () => {}) => {
      let row!: AgentListRow;
      await vi.waitFor(
        async () => {
          row = await list();
          expect(row.status).toBe('online');
          expect(row.startedAt).not.toBeNull();
          check(row);
        },
        { timeout: 60_000, interval: 100 },
      );
      return row;
    };

    const first = await online();
    expect(first.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(first.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.devices.map((d) => [d.deviceKey, d.status])).toEqual([['receipt-1', 'ok']]);

    // counter staff may ping but not reconfigure or restart (devices.admin)
    const changed = {
      ...base,
      devices: [
        ...base.devices,
        { id: 'label-1', kind: 'labelPrinter', profile: 'epson-tm-l90', transport: { type: 'virtual' } },
      ],
    };
    const path = (a: string) => `/api/agents/${creds.agentId}/${a}`;
    expect((await call(core.app, counter, 'POST', path('config'), { config: changed })).status).toBe(403);
    expect((await call(core.app, counter, 'POST', path('restart'))).status).toBe(403);

    // an invalid config is refused with the reason; the agent keeps running on its old file
    const bad = { ...base, devices: [{ ...base.devices[0], profile: 'no-such-printer' }] };
    const refused = await call(core.app, it, 'POST', path('config'), { config: bad });
    expect(refused.status).toBe(422);
    const problem = (await refused.json()) as { code: string; issues: { path: string; message: string }[] };
    expect(problem.code).toBe('agentRefused');
    expect(problem.issues).toEqual([
      { path: 'devices[0].profile', message: 'unknown profile "no-such-printer"' },
    ]);
    expect(readFileSync(configPath, 'utf8')).toBe(original);
    expect((await core.request(creds.agentId, ping())).ok).toBe(true);
    const afterBad = await list();
    expect(afterBad.configHash).toBe(first.configHash);
    expect(afterBad.startedAt).toBe(first.startedAt);
    expect(afterBad.recentErrors[0]).toMatchObject({ source: 'agent', code: 'invalidConfig' });
    expect(agent.sup.starts).toBe(1);

    // a valid one (without the password: the core never holds it) is written and applied by a restart
    const pushed = await call(core.app, it, 'POST', path('config'), { config: changed });
    expect(pushed.status).toBe(200);
    const { configHash } = (await pushed.json()) as { configHash: string };
    expect(configHash).not.toBe(first.configHash);
    const second = await online((row) => {
      expect(row.configHash).toBe(configHash);
      expect(row.devices.map((d) => d.deviceKey)).toEqual(['label-1', 'receipt-1']);
    });
    expect(second.startedAt).not.toBe(first.startedAt);
    const onDisk = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(onDisk.mqtt.password).toBe(creds.password);
    expect(onDisk.devices.map((d: { id: string }) => d.id)).toEqual(['receipt-1', 'label-1']);
    expect(agent.sup.exits).toEqual([AGENT_RESTART_EXIT_CODE]);

    // a remote restart: the agent exits for its supervisor and comes back as a new process
    const restarted = await call(core.app, it, 'POST', path('restart'));
    expect(restarted.status).toBe(200);
    const third = await online((row) => expect(row.startedAt).not.toBe(second.startedAt));
    expect(third.configHash).toBe(configHash);
    expect(agent.sup.starts).toBe(3);
    expect(agent.sup.exits).toEqual([AGENT_RESTART_EXIT_CODE, AGENT_RESTART_EXIT_CODE]);

    // the operation log has every attempt that reached the agent, by whom and with what outcome
    const log = await core.database.db
      .select({ action: operationLog.action, who: operationLog.staffLoginId, details: operationLog.details })
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, core.tenantId), like(operationLog.action, 'agent.%')))
      .orderBy(asc(operationLog.seq));
    expect(log.filter((l) => l.action !== 'agent.register')).toEqual([
      { action: 'agent.configure', who: 'it', details: { ok: false, error: 'invalidConfig' } },
      { action: 'agent.configure', who: 'it', details: { ok: true, configHash } },
      { action: 'agent.restart', who: 'it', details: { ok: true } },
    ]);

    // Prometheus: the agent is up, with its version and config hash
    const metrics = await collectMetrics(core.database.db, new Date());
    expect(metrics).toMatch(/bunko_agent_up\{tenant="fleet",agent="fleet-1",[^}]*\} 1/);
    expect(metrics).toContain(`bunko_agent_info{tenant="fleet",agent="fleet-1",`);
    expect(metrics).toContain(`config_hash="${configHash}"} 1`);
    expect(metrics).toContain(
      `bunko_agent_start_time_seconds{tenant="fleet",agent="fleet-1"} ${Date.parse(third.startedAt!) / 1000}`,
    );
  });

  it('a pushed config brings a new device profile: validated, stored in the data directory, used after restarts, logged', async () => {
    await agent?.stop();
    const creds = await core.register('fleet-profiles');
    const dir = core.tempDir();
    const configPath = join(dir, 'agent.json');
    const base = {
      tenantId: core.tenantId,
      agentId: creds.agentId,
      mqtt: { url: core.url, username: creds.username, reconnectMs: 200 },
      dataDir: 'data',
      devices: [] as unknown[],
    };
    const original = `${JSON.stringify({ ...base, mqtt: { ...base.mqtt, password: creds.password } })}\n`;
    writeFileSync(configPath, original, { mode: 0o600 });
    agent = supervise(configPath);
    const it = await login(core.app, 'fleet', 'it');
    const row = async () => {
      const res = await call(core.app, it, 'GET', '/api/agents');
      return ((await res.json()) as { agents: AgentListRow[] }).agents.find((a) => a.id === creds.agentId)!;
    };
    const online = (check: (r: AgentListRow) => void) =>
      vi.waitFor(
        async () => {
          const r = await row();
          expect(r.status).toBe('online');
          check(r);
          return r;
        },
        { timeout: 60_000, interval: 100 },
      );
    const first = await online(() => {});

    // a 40-column roll printer the shipped profiles do not have
    const profile = {
      id: 'branch-roll-40',
      kind: 'receiptPrinter',
      vendor: 'branch',
      model: 'Roll 40',
      nameJa: '分館レシート (40桁)',
      transports: ['virtual', 'tcp9100'],
      printer: { commandSet: 'escpos', paperWidthMm: 72, dotsPerLine: 512, columns: 40 },
    };
    const device = {
      id: 'roll-1',
      kind: 'receiptPrinter',
      profile: profile.id,
      transport: { type: 'virtual' },
    };
    const path = `/api/agents/${creds.agentId}/config`;
    const profilesDir = join(dir, 'data', 'device-profiles');

    // invalid profile data: refused with the field paths, nothing written or stored
    const badProfiles = [
      { ...profile, printer: { ...profile.printer, columns: 5 } },
      { ...profile, id: 'generic-escpos-58mm' },
    ];
    const refused = await call(core.app, it, 'POST', path, {
      config: { ...base, profiles: badProfiles, devices: [device] },
    });
    expect(refused.status).toBe(422);
    const problem = (await refused.json()) as { code: string; issues: { path: string; message: string }[] };
    expect(problem.code).toBe('agentRefused');
    expect(problem.issues).toEqual([
      { path: 'profiles[0].printer.columns', message: expect.stringMatching(/>=10/) },
    ]);
    const shipped = await call(core.app, it, 'POST', path, {
      config: { ...base, profiles: [badProfiles[1]], devices: [device] },
    });
    expect(((await shipped.json()) as { issues: unknown[] }).issues).toEqual([
      {
        path: 'profiles[0].id',
        message: '"generic-escpos-58mm" is a profile shipped with the agent; give yours another id',
      },
      { path: 'devices[0].profile', message: 'unknown profile "branch-roll-40"' },
    ]);
    expect(readFileSync(configPath, 'utf8')).toBe(original);
    expect(existsSync(profilesDir)).toBe(false);
    expect(agent.sup.starts).toBe(1);

    // valid: stored, the config written without it, applied by a restart
    const pushed = await call(core.app, it, 'POST', path, {
      config: { ...base, profiles: [profile], devices: [device] },
    });
    expect(pushed.status).toBe(200);
    const { configHash } = (await pushed.json()) as { configHash: string };
    const second = await online((r) => {
      expect(r.configHash).toBe(configHash);
      expect(r.startedAt).not.toBe(first.startedAt);
      expect(r.devices.map((d) => [d.deviceKey, d.status])).toEqual([['roll-1', 'ok']]);
    });
    expect(readdirSync(profilesDir)).toEqual(['branch-roll-40.json']);
    expect(JSON.parse(readFileSync(join(profilesDir, 'branch-roll-40.json'), 'utf8'))).toMatchObject(profile);
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).not.toHaveProperty('profiles');
    const [deviceRow] = await core.deviceRows(creds.agentId);
    expect(deviceRow).toMatchObject({ deviceKey: 'roll-1', profile: 'branch-roll-40' });

    // the profile's own data is used: a line is laid out in its 40 columns
    const printed = await core.request(creds.agentId, printRequest('roll-1', ['x'.repeat(50)]));
    expect(printed).toMatchObject({ ok: true, result: { printed: true } });
    const prints = join(dir, 'data', 'prints', 'roll-1');
    // the virtual printer keeps the ESC/POS bytes (.bin) and their text layout (.txt): the layout shows the 40 columns
    const [receipt] = readdirSync(prints).filter((f) => f.endsWith('.txt'));
    expect(readFileSync(join(prints, receipt!), 'utf8')).toBe(`${'x'.repeat(40)}\n${'x'.repeat(10)}\n`);

    // it survives a restart (read back from the data directory), with the same config hash
    expect((await call(core.app, it, 'POST', `/api/agents/${creds.agentId}/restart`)).status).toBe(200);
    await online((r) => {
      expect(r.startedAt).not.toBe(second.startedAt);
      expect(r.configHash).toBe(configHash);
      expect(r.devices.map((d) => [d.deviceKey, d.status])).toEqual([['roll-1', 'ok']]);
    });
    expect(agent.sup.exits).toEqual([AGENT_RESTART_EXIT_CODE, AGENT_RESTART_EXIT_CODE]);

    // a later push without `profiles` still finds it; the operation log names the stored profile
    const again = await call(core.app, it, 'POST', path, { config: { ...base, devices: [device] } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { configHash: string }).configHash).toBe(configHash);
    const log = await core.database.db
      .select({ action: operationLog.action, details: operationLog.details })
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, core.tenantId), eq(operationLog.targetId, creds.agentId)))
      .orderBy(asc(operationLog.seq));
    expect(log.filter((l) => l.action !== 'agent.register')).toEqual([
      { action: 'agent.configure', details: { ok: false, error: 'invalidConfig' } },
      { action: 'agent.configure', details: { ok: false, error: 'invalidConfig' } },
      { action: 'agent.configure', details: { ok: true, configHash, profiles: ['branch-roll-40'] } },
      { action: 'agent.restart', details: { ok: true } },
      { action: 'agent.configure', details: { ok: true, configHash } },
    ]);
    await agent.stop();
    agent = undefined;
  });
});

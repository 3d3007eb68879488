import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../cloud/src/config.ts';
import { killAgents, spawnAgent } from './support/agent-process.ts';
import { type Core, ping, startCore } from './support/core.ts';
import { makeCa, startTlsMosquitto, type TlsMosquitto } from './support/mosquitto-tls.ts';

/** an agent config file with no devices, for `url` */
const writeAgentConfig = (core: Core, url: string, agentId: string, mqtt: Record<string, unknown>) => {
  const dir = core.tempDir();
  const file = join(dir, 'agent.json');
  writeFileSync(
    file,
    JSON.stringify({
      tenantId: core.tenantId,
      agentId,
      mqtt: { url, username: agentId, reconnectMs: 100, reconnectMaxMs: 5000, ...mqtt },
      dataDir: 'data',
    }),
    { mode: 0o600 },
  );
  return file;
};
/** the agent's "cannot connect" log lines, once it has tried `n` times */
const refusals = async (agent: ReturnType<typeof spawnAgent>, n: number) => {
  let lines: Record<string, unknown>[] = [];
  await vi.waitFor(
    () => {
      lines = agent.logLines().filter((l) => String(l.msg).startsWith('cannot connect to the broker'));
      expect(lines.length).toBeGreaterThanOrEqual(n);
    },
    { timeout: 60_000, interval: 50 },
  );
  return lines.slice(0, n);
};
const expectBackoff = (lines: Record<string, unknown>[]) => {
  expect(lines.map((l) => l.attempt)).toEqual(lines.map((_, i) => i + 1));
  const waits = lines.map((l) => Number(l.retryInMs));
  // 100 ms, then about twice as long each time (a quarter at most added at random), up to 5 s
  for (const [i, w] of waits.entries()) {
    expect(w).toBeGreaterThanOrEqual(Math.min(5000, 100 * 2 ** i));
    expect(w).toBeLessThanOrEqual(Math.min(5000, 125 * 2 ** i));
  }
};

/**
 * mqtts:// with client certificates, against the real Mosquitto binary: a private broker on a free
 * port that takes only certificates from its own CA (the CN is the login), the core's bridge and
 * the agents each with their own certificate.
 */
describe('client-certificate TLS to Mosquitto', { timeout: 120_000 }, () => {
  let mosquitto: TlsMosquitto;
  let core: Core;
  let rogueDir: string;

  beforeAll(async () => {
    mosquitto = await startTlsMosquitto();
    const coreCert = mosquitto.ca.issue('bunko-core', 'core');
    // the core's own settings, as `npm start` reads them from its environment
    const config = loadConfig({
      MQTT_URL: mosquitto.url,
      MQTT_CA_FILE: mosquitto.ca.cert,
      MQTT_CERT_FILE: coreCert.cert,
      MQTT_KEY_FILE: coreCert.key,
    });
    core = await startCore('mtls', { externalBrokerUrl: config.MQTT_URL!, externalTls: config.mqttTls! });
    rogueDir = mkdtempSync(join(tmpdir(), 'bunko-rogue-ca-'));
  });
  afterAll(async () => {
    killAgents();
    await core?.close();
    await mosquitto?.close();
    if (rogueDir) rmSync(rogueDir, { recursive: true, force: true });
  });

  /** an agent registered at the core, with a certificate (CN = its id) from the broker's CA */
  const newAgent = async (code: string) => {
    const creds = await core.register(code);
    const cert = mosquitto.ca.issue(creds.agentId, code);
    return { ...creds, cert };
  };
  const writeConfig = (agentId: string, mqtt: Record<string, unknown>) =>
    writeAgentConfig(core, mosquitto.url, agentId, mqtt);

  it('an agent with its certificate (no password) connects and answers the core’s ping', async () => {
    const a = await newAgent('tls-ok');
    const file = writeConfig(a.agentId, {
      tls: { ca: mosquitto.ca.cert, cert: a.cert.cert, key: a.cert.key },
    });
    const agent = spawnAgent(file);
    await vi.waitFor(async () => expect((await core.agentRow(a.agentId))?.status).toBe('online'), {
      timeout: 60_000,
      interval: 50,
    });
    expect(core.bridge.connected).toBe(true);
    const res = await core.request(a.agentId, ping());
    expect(res).toMatchObject({ ok: true, result: { pong: true } });
    expect(await agent.stop()).toBe(0);
  });

  it('an agent without a certificate is refused, says why, and keeps retrying with growing waits', async () => {
    const a = await newAgent('tls-none');
    const agent = spawnAgent(writeConfig(a.agentId, { password: 'unused', tls: { ca: mosquitto.ca.cert } }));
    const lines = await refusals(agent, 4);
    for (const l of lines) {
      expect(l.msg).toBe(
        'cannot connect to the broker: the broker requires a client certificate and none was sent (set the certificate and key); retrying',
      );
      expect(l.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
      expect(l.broker).toBe(`127.0.0.1:${mosquitto.port}`);
    }
    expectBackoff(lines);
    expect(agent.child.exitCode).toBeNull();
    expect((await core.agentRow(a.agentId))?.status).not.toBe('online');
    expect(await agent.stop()).toBe(0);
  });

  it('an agent whose certificate (set by environment) is from another CA is refused the same way', async () => {
    const a = await newAgent('tls-rogue');
    const rogue = makeCa(rogueDir, 'rogue').issue(a.agentId, 'rogue-agent');
    // the config names a good certificate; the service's environment overrides it with the rogue one
    const file = writeConfig(a.agentId, {
      tls: { ca: mosquitto.ca.cert, cert: a.cert.cert, key: a.cert.key },
    });
    const agent = spawnAgent(file, {
      env: { BUNKO_AGENT_MQTT_CERT: rogue.cert, BUNKO_AGENT_MQTT_KEY: rogue.key },
    });
    const lines = await refusals(agent, 3);
    for (const l of lines) {
      expect(l.msg).toMatch(/the broker does not trust this client certificate/);
      expect(l.code).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    }
    expectBackoff(lines);
    expect(agent.child.exitCode).toBeNull();
    expect(await agent.stop()).toBe(0);
    expect(mosquitto.log).toMatch(/certificate verify failed/);
  });

  it('an agent that does not trust the broker’s CA says so', async () => {
    const a = await newAgent('tls-noca');
    const agent = spawnAgent(writeConfig(a.agentId, { tls: { cert: a.cert.cert, key: a.cert.key } }));
    const [line] = await refusals(agent, 1);
    expect(line!.msg).toMatch(/the broker's certificate is not signed by a trusted CA/);
    expect(await agent.stop()).toBe(0);
  });

  it('exits 2 naming the field when a TLS file is missing or the key is not the certificate’s', async () => {
    const a = await newAgent('tls-bad');
    const other = mosquitto.ca.issue('someone-else', 'other');
    const missing = spawnAgent(
      writeConfig(a.agentId, {
        tls: { ca: mosquitto.ca.cert, cert: '/nonexistent/agent.crt', key: a.cert.key },
      }),
    );
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toMatch(/mqtt\.tls\.cert: cannot read \/nonexistent\/agent\.crt \(ENOENT\)/);
    const mismatched = spawnAgent(writeConfig(a.agentId, { tls: { cert: a.cert.cert, key: other.key } }));
    expect(await mismatched.exited).toBe(2);
    expect(mismatched.stderr()).toMatch(/mqtt\.tls\.key: not usable: .*does it belong to the certificate\?/);
    const fromEnv = spawnAgent(writeConfig(a.agentId, { password: 'x' }), {
      env: { BUNKO_AGENT_MQTT_CA: '/nonexistent/ca.crt' },
    });
    expect(await fromEnv.exited).toBe(2);
    expect(fromEnv.stderr()).toMatch(/BUNKO_AGENT_MQTT_CA: cannot read \/nonexistent\/ca\.crt/);
  });
});

/**
 * The core's embedded aedes broker with its own mqtts:// listener (MQTT_TLS_PORT): with a client CA,
 * an agent needs a certificate whose CN is its id as well as its id and secret.
 */
describe('client-certificate TLS to the embedded broker', { timeout: 120_000 }, () => {
  let core: Core;
  let pki: string;
  let ca: ReturnType<typeof makeCa>;
  let url: string;

  beforeAll(async () => {
    pki = mkdtempSync(join(tmpdir(), 'bunko-aedes-tls-'));
    ca = makeCa(pki, 'core-ca');
    const server = ca.issue('127.0.0.1', 'server', { server: true });
    core = await startCore('atls', {
      brokerTls: {
        port: 0,
        cert: readFileSync(server.cert),
        key: readFileSync(server.key),
        clientCa: readFileSync(ca.cert),
      },
    });
    url = `mqtts://127.0.0.1:${core.broker.tlsPort}`;
  });
  afterAll(async () => {
    killAgents();
    await core?.close();
    if (pki) rmSync(pki, { recursive: true, force: true });
  });

  it('takes an agent with its certificate and secret; refuses another agent’s certificate and none', async () => {
    const a = await core.register('aedes-ok');
    const aCert = ca.issue(a.agentId, 'aedes-ok');
    const tls = { ca: ca.cert, ...aCert };
    const good = spawnAgent(writeAgentConfig(core, url, a.agentId, { password: a.password, tls }));
    await vi.waitFor(async () => expect((await core.agentRow(a.agentId))?.status).toBe('online'), {
      timeout: 60_000,
      interval: 50,
    });
    expect(await core.request(a.agentId, ping())).toMatchObject({ ok: true, result: { pong: true } });

    // a second agent presenting the first one's certificate, with its own valid id and secret
    const b = await core.register('aedes-borrowed');
    const borrowed = spawnAgent(writeAgentConfig(core, url, b.agentId, { password: b.password, tls }));
    const refused = await refusals(borrowed, 3);
    for (const l of refused) {
      expect(l.code).toBe('connack4');
      expect(l.msg).toMatch(/the broker refused the login \(bad user name or password\)/);
    }
    expectBackoff(refused);
    expect(borrowed.child.exitCode).toBeNull();

    const c = await core.register('aedes-none');
    const none = spawnAgent(
      writeAgentConfig(core, url, c.agentId, { password: c.password, tls: { ca: ca.cert } }),
    );
    const [noCert] = await refusals(none, 1);
    expect(noCert!.msg).toMatch(/the broker requires a client certificate and none was sent/);
    expect((await core.agentRow(b.agentId))?.status).not.toBe('online');
    expect((await core.agentRow(c.agentId))?.status).not.toBe('online');
    for (const p of [good, borrowed, none]) expect(await p.stop()).toBe(0);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address() as { port: number };
      s.close(() => ok(a.port));
    });
  });

/** Start the core as `npm start` does, with the given environment; resolve once it prints its URL. */
function startCore(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cloud/src/main.ts')], {
    cwd: root,
    // embedded defaults unless a test says otherwise: CI's DATABASE_URL names a shared database
    env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: '', MQTT_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const ready = new Promise<string>((ok, fail) => {
    child.stdout!.on('data', () => {
      if (out.includes('is ready')) ok(out);
    });
    child.on('exit', (code) => fail(new Error(`exited ${code}: ${err}`)));
  });
  // tests that expect a failed start only await `exited`
  ready.catch(() => {});
  const exited = new Promise<{ code: number | null; stderr: string }>((ok) =>
    child.on('exit', (code) => ok({ code, stderr: err })),
  );
  return { child, ready, exited };
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
};

afterAll(async () => {
  await Promise.all(children.map(stop));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npm start', () => {
  it('honours PORT, MQTT_PORT and BUNKO_DATA_DIR, serves health, the OpenAPI document and the demo, and keeps data across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bunko-start-'));
    dirs.push(dataDir);
    const [port, mqttPort, wsPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      MQTT_PORT: String(mqttPort),
      MQTT_WS_PORT: String(wsPort),
      BUNKO_DATA_DIR: dataDir,
    };
    const first = startCore(env);
    const banner = await first.ready;
    expect(banner).toContain(`http://127.0.0.1:${port}/`);
    expect(banner).toContain('ishigaki');
    expect(banner).toContain('bunko-admin');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/bibs', '/api/oplog']),
    );

    // the embedded broker listens on MQTT_PORT and refuses anonymous clients
    const anon = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0, connectTimeout: 5000 });
    await expect(
      new Promise((ok, fail) => {
        anon.once('connect', ok);
        anon.once('error', fail);
      }),
    ).rejects.toThrow();
    anon.end(true);

    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'ishigaki', loginId: 'librarian', password: 'bunko-librarian' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const created = await fetch(`${base}/api/bibs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ title: '再起動しても残る本', titleReading: 'サイキドウシテモノコルホン' }),
    });
    const bib = (await created.json()) as { id: string };
    const before = (await (await fetch(`${base}/api/dashboard`, { headers: { cookie } })).json()) as {
      counts: { bibs: number };
    };
    expect(before.counts.bibs).toBeGreaterThan(1000);
    await stop(first.child);

    const second = startCore(env);
    await second.ready;
    const again = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'ishigaki', loginId: 'librarian', password: 'bunko-librarian' }),
    });
    const cookie2 = again.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${base}/api/bibs/${bib.id}`, { headers: { cookie: cookie2 } })).status).toBe(200);
    const after = (await (await fetch(`${base}/api/dashboard`, { headers: { cookie: cookie2 } })).json()) as {
      counts: { bibs: number };
    };
    expect(after.counts.bibs).toBe(before.counts.bibs);
    await stop(second.child);
    // two full starts (migrations, demo library, agent) on a loaded 2-core machine
  }, 300_000);

  it('exits non-zero and names the variable when a setting is bad', async () => {
    const { exited } = startCore({ PORT: 'eighty', BUNKO_DATA_DIR: join(tmpdir(), 'bunko-never') });
    const { code, stderr } = await exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT/);
  });

  it('exits non-zero and names the variable when a port is already in use', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bunko-busy-'));
    dirs.push(dataDir);
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    const taken = (busy.address() as { port: number }).port;
    try {
      const { exited } = startCore({
        PORT: String(await freePort()),
        MQTT_PORT: String(taken),
        MQTT_WS_PORT: String(await freePort()),
        BUNKO_DATA_DIR: dataDir,
        BUNKO_DEMO: 'off',
      });
      const { code, stderr } = await exited;
      expect(code).toBe(2);
      expect(stderr).toContain('MQTT_PORT');
    } finally {
      busy.close();
    }
  });
});

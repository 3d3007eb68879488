import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];

/**
 * The public OPAC service `npm start` runs beside the core: its own port, the demo catalogue through
 * the public role, SRU, no staff routes, patron logins forwarded to the core, security headers.
 */
async function expectPublicService(banner: string, base: string, get: typeof fetch) {
  expect(banner).toContain(`${base}/`);
  expect((await get(`${base}/healthz`)).status).toBe(200);
  expect((await get(`${base}/readyz`)).status).toBe(200);
  const sru = await (
    await get(`${base}/sru?operation=searchRetrieve&version=1.2&query=${encodeURIComponent('沖縄')}`)
  ).text();
  expect(Number(/<srw:numberOfRecords>(\d+)</.exec(sru)?.[1])).toBeGreaterThan(0);
  expect((await get(`${base}/api/patrons`)).status).toBe(404);
  const staffLogin = await get(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'ishigaki', loginId: 'librarian', password: 'bunko-librarian' }),
  });
  expect(staffLogin.status).toBe(404);
  // a patron login reaches the core (which knows no such card) and comes back, never cached
  const patronLogin = await get(`${base}/api/my/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'ishigaki', cardNumber: '99999999', password: 'not-a-password' }),
  });
  expect(patronLogin.headers.get('cache-control')).toBe('no-store');
  // the core's refusal: no such card (or, read through the library's NW-7 settings, no valid card number)
  expect(['invalidCredentials', 'badScan']).toContain(((await patronLogin.json()) as { code: string }).code);
  const home = await get(`${base}/`);
  expect(home.status).toBe(200);
  expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
}

/** fetch over HTTPS trusting one certificate (Node's fetch takes no CA of its own) */
const httpsFetch =
  (ca: string): typeof fetch =>
  (url, init) =>
    new Promise<Response>((ok, fail) => {
      const req = request(
        new URL(String(url)),
        { method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, ca },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              for (const one of [v ?? []].flat()) headers.append(k, one);
            }
            ok(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
          });
        },
      );
      req.on('error', fail);
      if (init?.body) req.write(init.body);
      req.end();
    });

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address() as { port: number };
      s.close(() => ok(a.port));
    });
  });

/** Start the core as `npm start` does, with the given environment; resolve once it prints its URL. */
function startCore(env: Record<string, string>, entry = 'cloud/src/main.ts') {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], {
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
    const [port, mqttPort, wsPort, publicPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const env = {
      PORT: String(port),
      MQTT_PORT: String(mqttPort),
      MQTT_WS_PORT: String(wsPort),
      BUNKO_PUBLIC_PORT: String(publicPort),
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
    await expectPublicService(banner, `http://127.0.0.1:${publicPort}`, fetch);
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

  it('serves the core and the public service over HTTPS when BUNKO_TLS_CERT and BUNKO_TLS_KEY are set', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bunko-tls-'));
    dirs.push(dataDir);
    const [cert, key] = [join(dataDir, 'cert.pem'), join(dataDir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const [port, mqttPort, wsPort, publicPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const { ready, child } = startCore({
      PORT: String(port),
      MQTT_PORT: String(mqttPort),
      MQTT_WS_PORT: String(wsPort),
      BUNKO_PUBLIC_PORT: String(publicPort),
      BUNKO_DATA_DIR: dataDir,
      BUNKO_DEMO_AGENT: 'off',
      BUNKO_TLS_CERT: cert,
      BUNKO_TLS_KEY: key,
    });
    const banner = await ready;
    const get = httpsFetch(readFileSync(cert, 'utf8'));
    expect(banner).toContain(`https://127.0.0.1:${port}/`);
    const core = await get(`https://127.0.0.1:${port}/healthz`);
    expect(core.headers.get('strict-transport-security')).toMatch(/max-age=/);
    await expectPublicService(banner, `https://127.0.0.1:${publicPort}`, get);
    expect((await get(`https://127.0.0.1:${publicPort}/`)).headers.get('strict-transport-security')).toMatch(
      /max-age=/,
    );
    await stop(child);
  }, 300_000);

  it('the public service alone refuses to start without its settings, naming them', async () => {
    const { exited } = startCore({ BUNKO_PUBLIC_PORT: String(await freePort()) }, 'cloud/src/public/main.ts');
    const { code, stderr } = await exited;
    expect(code).toBe(2);
    expect(stderr).toContain('BUNKO_PUBLIC_DATABASE_URL');
    expect(stderr).toContain('BUNKO_CORE_URL');
    expect(stderr).toContain('BUNKO_SERVICE_TOKEN');
  });

  // the deployment the spec asks for: the public service in its own process, logged in to PostgreSQL
  // as its own role, reaching the core only for the patron operations
  it.skipIf(!process.env.DATABASE_URL)(
    'on PostgreSQL, the public service runs on its own as the public role beside a core',
    async () => {
      const adminUrl = process.env.DATABASE_URL!;
      const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
      const [dbName, role, password] = [
        `bunko_test_sys_${suffix}`,
        `bunko_public_s_${suffix}`,
        randomBytes(12).toString('hex'),
      ];
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${dbName}`);
      const dbUrl = new URL(adminUrl);
      dbUrl.pathname = `/${dbName}`;
      const publicUrl = new URL(dbUrl);
      publicUrl.username = role;
      publicUrl.password = password;
      const dataDir = mkdtempSync(join(tmpdir(), 'bunko-split-'));
      dirs.push(dataDir);
      const serviceToken = randomBytes(24).toString('base64url');
      try {
        const [port, mqttPort, wsPort, innerPublic, publicPort] = [
          await freePort(),
          await freePort(),
          await freePort(),
          await freePort(),
          await freePort(),
        ];
        const core = startCore({
          DATABASE_URL: dbUrl.toString(),
          BUNKO_PUBLIC_DATABASE_URL: publicUrl.toString(),
          BUNKO_SERVICE_TOKEN: serviceToken,
          PORT: String(port),
          MQTT_PORT: String(mqttPort),
          MQTT_WS_PORT: String(wsPort),
          BUNKO_PUBLIC_PORT: String(innerPublic),
          BUNKO_DATA_DIR: dataDir,
          BUNKO_DEMO_AGENT: 'off',
        });
        await core.ready;
        const alone = startCore(
          {
            BUNKO_PUBLIC_DATABASE_URL: publicUrl.toString(),
            BUNKO_CORE_URL: `http://127.0.0.1:${port}`,
            BUNKO_SERVICE_TOKEN: serviceToken,
            BUNKO_PUBLIC_PORT: String(publicPort),
            BUNKO_PUBLIC_TENANT: 'ishigaki',
            BUNKO_DATA_DIR: join(dataDir, 'never-used'),
          },
          'cloud/src/public/main.ts',
        );
        const banner = await alone.ready;
        await expectPublicService(banner, `http://127.0.0.1:${publicPort}`, fetch);
        await stop(alone.child);
        await stop(core.child);
      } finally {
        await admin.unsafe(`drop database if exists ${dbName} with (force)`);
        await admin.unsafe(`drop role if exists ${role}`);
        await admin.end();
      }
    },
    300_000,
  );
});

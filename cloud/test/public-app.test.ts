import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { json, onlyRoutes, route, router } from '../src/http/route.ts';
import { CORE_ONLY_PUBLIC, createPublicApp, isPublicServiceRoute } from '../src/public/app.ts';
import { isPatronOperation } from '../src/public/patron-proxy.ts';
import { makeCirculatingLibrary, publicRoleFor, startSplit } from './support/public-fixture.ts';
import { silentLogger } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * The public OPAC service serves the core's public routes and nothing else, and no answer it gives
 * carries personal data — walked over every route it has, with a library full of patrons, loans
 * and holds behind it, anonymously and with a patron logged in.
 */

let database: Database;
let lib: Awaited<ReturnType<typeof makeCirculatingLibrary>>;
let pub: Awaited<ReturnType<typeof publicRoleFor>>;
let split: Awaited<ReturnType<typeof startSplit>>;
let webRoot: string;

type Operation = {
  operationId: string;
  'x-permission': string;
  parameters?: { name: string; in: string; required?: boolean }[];
};
type Doc = { paths: Record<string, Record<string, Operation>> };
const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, ...op })),
  );

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeCirculatingLibrary(database, 'opaclib');
  pub = await publicRoleFor(database);
  webRoot = mkdtempSync(join(tmpdir(), 'bunko-public-web-'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>staff</title><p>STAFF-SHELL</p>');
  writeFileSync(
    join(webRoot, 'opac.html'),
    '<!doctype html><html lang="ja"><title>OPAC</title><p>OPAC-SHELL</p>',
  );
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(join(webRoot, 'assets', 'opac-abc123.js'), 'console.log("opac")');
  split = await startSplit(database, pub.reader, { tenant: 'opaclib', webRoot });
});

afterAll(async () => {
  await split?.close();
  await pub?.reader.close();
  await database?.close();
  await pub?.drop();
  rmSync(webRoot, { recursive: true, force: true });
});

describe('the public surface', () => {
  it("is exactly the core's public routes (less the core-only ones) plus the forwarded patron operations", async () => {
    const coreDoc = (await (await split.core.request('/api/openapi.json')).json()) as Doc;
    const publicDoc = (await (await split.fetch('/api/openapi.json')).json()) as Doc;
    const core = operations(coreDoc);
    for (const id of CORE_ONLY_PUBLIC) expect(core.map((o) => o.operationId)).toContain(id);
    const expected = core
      .filter(
        (o) =>
          isPublicServiceRoute({ ...o, 'x-permission': o['x-permission'] as 'public' }) ||
          isPatronOperation({ ...o, 'x-permission': o['x-permission'] as 'patron' }),
      )
      .map((o) => `${o.method} ${o.path} ${o.operationId}`)
      .sort();
    expect(
      operations(publicDoc)
        .map((o) => `${o.method} ${o.path} ${o.operationId}`)
        .sort(),
    ).toEqual(expected);
    for (const o of operations(publicDoc)) expect(['public', 'patron']).toContain(o['x-permission']);
    expect(expected.some((e) => e.endsWith(' myLoans'))).toBe(true);
  });

  it("tells the OPAC its default library from its own settings, never the core's demo staff logins", async () => {
    const res = await split.fetch('/api/public/config');
    expect(await res.json()).toEqual({ defaultTenant: 'opaclib', demo: false });
  });

  it.each([
    ['GET', '/api/patrons'],
    ['GET', `/api/patrons/${'00000000-0000-0000-0000-000000000000'}`],
    ['GET', '/api/loans'],
    ['GET', '/api/bibs'],
    ['GET', '/api/dashboard'],
    ['GET', '/api/oplog'],
    ['POST', '/api/auth/login'],
    ['POST', '/api/checkout'],
    ['GET', '/api/scans/stream'],
  ])('serves no staff route: %s %s is 404', async (method, path) => {
    const res = await split.fetch(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST'
        ? { body: JSON.stringify({ tenant: 'opaclib', loginId: 'admin', password: 'x' }) }
        : {}),
    });
    expect(res.status).toBe(404);
  });

  it('builds a surface from routers: the public route is served, the staff one is not registered at all', async () => {
    const openRoute = route('public', {
      method: 'get',
      path: '/demo/open',
      operationId: 'demoOpen',
      responses: { 200: json(z.object({ ok: z.boolean() }), 'ok') },
    });
    const staffRoute = route('catalog.read', {
      method: 'get',
      path: '/demo/staff',
      operationId: 'demoStaff',
      responses: { 200: json(z.object({ ok: z.boolean() }), 'ok') },
    });
    const demoRoutes = () =>
      router()
        .openapi(openRoute, (c) => c.json({ ok: true }, 200))
        .openapi(staffRoute, (c) => c.json({ ok: true }, 200));
    const built = onlyRoutes(isPublicServiceRoute, demoRoutes);
    expect((await built.request('/demo/open')).status).toBe(200);
    expect((await built.request('/demo/staff')).status).toBe(404);
    expect(
      built.openAPIRegistry.definitions.map((d) => (d as { route?: { path: string } }).route?.path),
    ).toEqual(['/demo/open']);
    // outside the scope every route is registered again
    expect(demoRoutes().openAPIRegistry.definitions).toHaveLength(2);
  });
});

describe('no personal data in any public answer', () => {
  async function walk(cookie?: string) {
    const doc = (await (await split.fetch('/api/openapi.json')).json()) as Doc;
    const ids = [
      ...Object.values(lib.bibs),
      ...Object.values(lib.items).map((i) => i.id),
      lib.mainId,
      'opaclib',
    ];
    const requests: { method: string; path: string }[] = [];
    for (const op of operations(doc)) {
      if (op['x-permission'] === 'patron' || op.operationId === 'patronLogin') continue; // My Library: forwarded, tested apart
      const query = new URLSearchParams();
      for (const p of op.parameters ?? []) {
        if (p.in !== 'query') continue;
        if (/tenant/i.test(p.name)) query.set(p.name, 'opaclib');
        else if (/^(q|query|keyword)$/i.test(p.name)) query.set(p.name, '書名');
      }
      const qs = query.size ? `?${query}` : '';
      const templates = /\{\w+\}/.test(op.path)
        ? ids.map((id) => op.path.replace(/\{\w+\}/g, id))
        : [op.path];
      for (const path of templates) requests.push({ method: op.method.toUpperCase(), path: `${path}${qs}` });
    }
    // the plain routes of the app itself (SRU, OpenSearch, health) and the web app
    for (const r of split.publicApp.routes) {
      if (r.method !== 'GET' || /[*:]/.test(r.path) || r.path.startsWith('/api/my/')) continue;
      requests.push({ method: 'GET', path: r.path });
    }
    requests.push(
      { method: 'GET', path: '/sru?operation=searchRetrieve&version=1.2&query=書名&maximumRecords=100' },
      {
        method: 'GET',
        path: '/sru?operation=searchRetrieve&version=1.2&query=dc.title%3D書名&recordPacking=string',
      },
      { method: 'GET', path: '/opensearch?q=書名&count=100' },
      { method: 'GET', path: '/opensearch.xml' },
      { method: 'GET', path: '/' },
      { method: 'GET', path: '/index.html' },
      { method: 'GET', path: '/search?q=書名' },
      { method: 'GET', path: `/bibs/${lib.bibs.popular}` },
      { method: 'GET', path: '/assets/opac-abc123.js' },
      // the OPAC's stable addresses as HTML for crawlers: results and every record's page
      { method: 'GET', path: `/opac/search?q=${encodeURIComponent('書名')}` },
      { method: 'GET', path: `/opac/search?title=${encodeURIComponent('書名 popular')}&author=x&isbn=1` },
      ...Object.values(lib.bibs).map((id) => ({ method: 'GET', path: `/opac/bib/${id}` })),
    );
    const seen: { method: string; path: string; status: number; body: string }[] = [];
    for (const r of requests) {
      const res = await split.fetch(r.path, {
        method: r.method,
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(r.method === 'GET' ? {} : { 'content-type': 'application/json' }),
        },
        ...(r.method === 'GET' ? {} : { body: '{}' }),
      });
      const body = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await res.text()}`;
      seen.push({ ...r, status: res.status, body });
    }
    return seen;
  }

  const expectNoPersonalData = (seen: Awaited<ReturnType<typeof walk>>) => {
    for (const r of seen) {
      for (const p of lib.personal) {
        expect(r.body.includes(p), `${r.method} ${r.path} (${r.status}) shows ${p}`).toBe(false);
      }
      expect(r.status, `${r.method} ${r.path}`).toBeLessThan(500);
    }
  };

  it('walks every route anonymously: catalogue data comes back, personal data never', async () => {
    const seen = await walk();
    expect(seen.length).toBeGreaterThan(12);
    expectNoPersonalData(seen);
    // the walk reached real data: the search sees the titles, copies on loan and the waiting holds
    const sru = seen.find((r) => r.path.startsWith('/sru?operation=searchRetrieve&version=1.2&query=書名'))!;
    expect(sru.body).toContain('<srw:numberOfRecords>12</srw:numberOfRecords>');
    expect(sru.body).toContain('書名 popular');
    const atom = seen.find((r) => r.path.startsWith('/opensearch?'))!;
    expect(atom.body).toMatch(/書名 popular<\/title>.*貸出中 \(0\/1\) 予約2件/s);
    const results = seen.find((r) => r.path.startsWith('/opac/search?q='))!;
    expect(results.body).toContain('12件 見つかりました');
    const page = seen.find((r) => r.path === `/opac/bib/${lib.bibs.popular}`)!;
    expect(page.body).toContain('<td class="status-onLoan">貸出中</td>');
    expect(page.body).toContain('<p>予約2件</p>');
  });

  it('walks every route again with a patron logged in: still nothing personal outside My Library', async () => {
    const login = await split.fetch('/api/my/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'opaclib', cardNumber: lib.cards.alice, password: lib.password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expectNoPersonalData(await walk(cookie));
  });
});

describe('the public web app', () => {
  it('serves opac.html for / and client-side routes, never the staff shell, and its assets', async () => {
    for (const path of ['/', '/index.html', '/search', '/bibs/123', '/my/loans']) {
      const res = await split.fetch(path);
      expect(res.status, path).toBe(200);
      const text = await res.text();
      expect(text, path).toContain('OPAC-SHELL');
      expect(text, path).not.toContain('STAFF-SHELL');
    }
    const asset = await split.fetch('/assets/opac-abc123.js');
    expect(asset.status).toBe(200);
    expect(await asset.text()).toContain('opac');
  });

  it('shows a small Japanese placeholder until the OPAC is built', async () => {
    const bare = createPublicApp({
      config: { secure: false },
      reader: pub.reader,
      logger: silentLogger,
      coreUrl: split.coreBase,
      serviceToken: split.serviceToken,
    });
    for (const path of ['/', '/search']) {
      const res = await bare.request(path);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('<html lang="ja">');
      expect(text).toContain('蔵書検索');
    }
  });
});

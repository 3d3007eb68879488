import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentConfigError, parseAgentConfig } from '../src/config.ts';
import { BOOKMOBILE_ID, offlineCounterOnly, STATION_ID, testPackage } from './support/offline-fixture.ts';

let counter: Awaited<ReturnType<typeof offlineCounterOnly>>;
beforeAll(async () => {
  counter = await offlineCounterOnly();
});
afterAll(async () => {
  await counter?.close();
});

/** A raw request, so the test can send what a browser would not (another Host, another Origin). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string) {
  const url = new URL(path, counter.url);
  return new Promise<{ status: number; type: string; csp: string; body: string }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            csp: String(res.headers['content-security-policy']),
            body: text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const host = () => new URL(counter.url).host;
const post = async (path: string, body: unknown) => {
  const r = await raw(
    'POST',
    path,
    { host: host(), 'content-type': 'application/json' },
    JSON.stringify(body),
  );
  return { status: r.status, body: JSON.parse(r.body) as Record<string, unknown> };
};

describe('the offline counter (local checks)', () => {
  it('lends with the title for the receipt and the station’s next visit a loan period ahead as due date', async () => {
    const r = await post('/api/checkout', { patronBarcode: 'A20000001A', itemBarcode: '3000001' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      ok: true,
      title: '星砂の島',
      operation: {
        kind: 'checkout',
        locationId: STATION_ID,
        patronBarcode: 'A20000001A',
        itemBarcode: '3000001',
        dueOn: testPackage().stations[0]!.visits[1],
        flags: [],
      },
    });
    // the same copy cannot go out twice from the bookmobile; after its return it can
    expect(
      await post('/api/checkout', { patronBarcode: '20000002', itemBarcode: 'A3000001A' }),
    ).toMatchObject({
      status: 409,
      body: { code: 'itemOnLoan' },
    });
    expect((await post('/api/return', { itemBarcode: '3000001' })).status).toBe(200);
    expect((await post('/api/checkout', { patronBarcode: '20000002', itemBarcode: '3000001' })).status).toBe(
      200,
    );
  });

  it('refuses blocked cards with the reason, and lends past an overdue warning only when staff confirm', async () => {
    const expired = await post('/api/checkout', { patronBarcode: '20000003', itemBarcode: '3000002' });
    expect(expired).toMatchObject({ status: 409, body: { code: 'patron.expired' } });
    expect(expired.body.messageJa).toBe('利用者カードの有効期限が切れています');
    expect(
      (await post('/api/checkout', { patronBarcode: '20000004', itemBarcode: '3000002' })).body.code,
    ).toBe('patron.suspended');
    expect(
      (await post('/api/checkout', { patronBarcode: '20000005', itemBarcode: '3000002' })).body.code,
    ).toBe('patronHasOverdues');
    const confirmed = await post('/api/checkout', {
      patronBarcode: '20000005',
      itemBarcode: '3000002',
      allowOverdues: true,
    });
    expect(confirmed.body).toMatchObject({ ok: true, operation: { flags: ['overdueWarningOverridden'] } });
  });

  it('refuses an item not for loan and a misread, and accepts an unknown item flagged', async () => {
    expect(
      (await post('/api/checkout', { patronBarcode: '20000001', itemBarcode: '3000007' })).body.code,
    ).toBe('itemNotLoanable');
    const misread = await post('/api/checkout', { patronBarcode: '2000001', itemBarcode: '3000002' });
    expect(misread.body.code).toBe('badScan');
    const unknown = await post('/api/checkout', { patronBarcode: '20000001', itemBarcode: '3999999' });
    expect(unknown.body).toMatchObject({ ok: true, title: null, operation: { flags: ['itemNotInPackage'] } });
    expect((await post('/api/checkout', { patronBarcode: '', itemBarcode: '3000002' })).status).toBe(400);
  });

  it('records an operation the page sends again (same id) once, and decides a refused one afresh', async () => {
    const id = '0a4c7f3e-5b2d-4c1a-9e8f-112233445566';
    const first = await post('/api/checkout', { id, patronBarcode: '20000001', itemBarcode: '3999998' });
    const again = await post('/api/checkout', { id, patronBarcode: '20000001', itemBarcode: '3999998' });
    expect(first.body).toMatchObject({ ok: true, repeated: false, receipt: 'noPrinter', operation: { id } });
    expect(again.body).toMatchObject({ ok: true, repeated: true, operation: { id } });
    const status = JSON.parse((await raw('GET', '/api/status', { host: host() })).body) as {
      pending: { itemBarcode: string }[];
    };
    expect(status.pending.filter((p) => p.itemBarcode === '3999998')).toHaveLength(1);
    // a refusal recorded nothing: the same id tried again (staff confirmed the warning) is recorded
    const other = 'a1b2c3d4-0000-4000-8000-000000000001';
    const warned = await post('/api/return', { id: other, itemBarcode: '' });
    expect(warned.status).toBe(400);
    const back = await post('/api/return', { id: other, itemBarcode: '3999998' });
    expect(back.body).toMatchObject({ ok: true, repeated: false, operation: { id: other, kind: 'return' } });
    expect((await post('/api/return', { id: 'not-a-uuid', itemBarcode: '3999998' })).status).toBe(400);
  });
});

describe('the offline counter’s local server', () => {
  it('serves the page with a strict content security policy', async () => {
    const page = await raw('GET', '/', { host: host() });
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('移動図書館 オフライン貸出・返却');
    expect(page.csp).toContain("default-src 'none'");
    expect(page.csp).toContain("connect-src 'self'");
  });

  it('refuses other hosts (DNS rebinding), foreign origins and non-JSON posts', async () => {
    const body = JSON.stringify({ itemBarcode: '3000002' });
    expect((await raw('GET', '/api/status', { host: 'evil.example' })).status).toBe(421);
    expect(
      (
        await raw(
          'POST',
          '/api/return',
          { host: host(), origin: 'http://evil.example', 'content-type': 'application/json' },
          body,
        )
      ).status,
    ).toBe(403);
    expect(
      (await raw('POST', '/api/return', { host: host(), 'content-type': 'text/plain' }, body)).status,
    ).toBe(415);
    const pending = JSON.parse((await raw('GET', '/api/status', { host: host() })).body) as {
      pending: { itemBarcode: string }[];
    };
    expect(pending.pending.filter((p) => p.itemBarcode === '3000002')).toHaveLength(1); // only the confirmed loan
  });

  it('lets the agent run on without the page when its port is taken', async () => {
    const second = await offlineCounterOnly(Number(new URL(counter.url).port));
    expect(second.url).toBe('');
    expect(second.mode.sync).toBeDefined(); // the journal and the replay still work
    await second.close();
  });
});

describe('the offline block of the agent config', () => {
  const base = {
    tenantId: '11111111-1111-4111-8111-111111111111',
    agentId: '22222222-2222-4222-8222-222222222222',
    mqtt: { url: 'mqtt://127.0.0.1:1884', username: 'u', password: 'p' },
    dataDir: 'data',
  };
  const parse = (offline: unknown) =>
    parseAgentConfig({ ...base, offline }, { file: 'agent.json', baseDir: '/tmp' }).offline;

  it('defaults to loopback port 8765 and a package every 15 minutes', () => {
    expect(parse({ bookmobileId: BOOKMOBILE_ID })).toEqual({
      bookmobileId: BOOKMOBILE_ID,
      host: '127.0.0.1',
      port: 8765,
      packageIntervalMinutes: 15,
    });
  });

  it('prints offline receipts on a receipt printer of the agent only', () => {
    const printers = [
      { id: 'receipt-1', kind: 'receiptPrinter', profile: 'epson-tm-t88vi', transport: { type: 'virtual' } },
      { id: 'label-1', kind: 'labelPrinter', profile: 'epson-tm-l90', transport: { type: 'virtual' } },
    ];
    const withPrinters = (receiptPrinter: string) =>
      parseAgentConfig(
        { ...base, devices: printers, offline: { bookmobileId: BOOKMOBILE_ID, receiptPrinter } },
        { file: 'agent.json', baseDir: '/tmp' },
      ).offline;
    expect(withPrinters('receipt-1')?.receiptPrinter).toBe('receipt-1');
    expect(() => withPrinters('label-1')).toThrow(/offline\.receiptPrinter/);
    expect(() => withPrinters('receipt-9')).toThrow(/not a receipt printer/);
  });

  it('refuses to serve the counter beyond loopback, naming the field', () => {
    expect(() => parse({ bookmobileId: BOOKMOBILE_ID, host: '0.0.0.0' })).toThrow(AgentConfigError);
    expect(() => parse({ bookmobileId: BOOKMOBILE_ID, host: '0.0.0.0' })).toThrow(/offline\.host/);
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { OfflineCounter } from './offline-counter.ts';
import { OFFLINE_PAGE } from './offline-page.ts';

const Scan = z.string().min(1).max(64);
/** the page's id for one operation: its retries send the same id, and it is recorded (and printed) once */
const OperationId = z.uuid().optional();
const CheckoutBody = z.object({
  id: OperationId,
  patronBarcode: Scan,
  itemBarcode: Scan,
  locationId: z.uuid().optional(),
  allowOverdues: z.boolean().optional(),
});
const ReturnBody = z.object({ id: OperationId, itemBarcode: Scan, locationId: z.uuid().optional() });

export type LocalStatus = () => Record<string, unknown>;
export type CounterPort = Pick<OfflineCounter, 'checkout' | 'return'>;

/**
 * The offline counter on loopback (127.0.0.1 only): the page, and a small JSON API behind it.
 * Other pages in the browser cannot use it: requests must name this host (no DNS rebinding), POSTs
 * must be JSON (a cross-site form cannot send that without a CORS preflight, which is never
 * answered) and carry no foreign Origin.
 */
export function startLocalServer(opts: {
  host: string;
  port: number;
  counter: CounterPort;
  status: LocalStatus;
}): Promise<Server> {
  const server = createServer((req, res) => {
    handle(req, res, opts).catch(() =>
      send(res, 500, {
        ok: false,
        code: 'internal',
        messageJa: '記録できませんでした',
        messageEn: 'Not recorded',
      }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve(server));
  });
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8') {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
    'x-frame-options': 'DENY',
  });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 16_384) throw new Error('too large');
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { counter: CounterPort; status: LocalStatus },
) {
  const port = (req.socket.localPort ?? 0).toString();
  const okHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!okHosts.includes(req.headers.host ?? '')) return send(res, 421, { ok: false, code: 'wrongHost' });
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  if (req.method === 'GET' && url.pathname === '/')
    return send(res, 200, OFFLINE_PAGE, 'text/html; charset=utf-8');
  if (req.method === 'GET' && url.pathname === '/api/status') return send(res, 200, opts.status());
  if (req.method !== 'POST') return send(res, 404, { ok: false, code: 'notFound' });
  const origin = req.headers.origin;
  if (origin && !okHosts.map((h) => `http://${h}`).includes(origin))
    return send(res, 403, { ok: false, code: 'forbidden' });
  if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
    return send(res, 415, {
      ok: false,
      code: 'validation',
      messageJa: 'JSON で送ってください',
      messageEn: 'Send JSON',
    });
  let raw: unknown;
  try {
    raw = await readJson(req);
  } catch {
    return send(res, 400, {
      ok: false,
      code: 'validation',
      messageJa: '読めない要求です',
      messageEn: 'Unreadable request',
    });
  }
  const bad = (fields: string) =>
    send(res, 400, {
      ok: false,
      code: 'validation',
      messageJa: `入力を確認してください: ${fields}`,
      messageEn: `Check: ${fields}`,
    });
  if (url.pathname === '/api/checkout') {
    const b = CheckoutBody.safeParse(raw);
    if (!b.success) return bad(b.error.issues.map((i) => i.path.join('.')).join(', '));
    const r = await opts.counter.checkout(b.data);
    return send(res, r.ok ? 200 : 409, r);
  }
  if (url.pathname === '/api/return') {
    const b = ReturnBody.safeParse(raw);
    if (!b.success) return bad(b.error.issues.map((i) => i.path.join('.')).join(', '));
    const r = await opts.counter.return(b.data);
    return send(res, r.ok ? 200 : 409, r);
  }
  return send(res, 404, { ok: false, code: 'notFound' });
}

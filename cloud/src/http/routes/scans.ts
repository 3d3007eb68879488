import { z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { AppError } from '../../domain/errors.ts';
import type { ScanHub, ScanMessage } from '../../domain/scans/scan-hub.ts';
import type { AppDeps } from '../env.ts';
import { json, route, router, standardErrors } from '../route.ts';

/*
 * Scans from the desk's reader (HID-POS or serial, read by the edge agent) to the browser session
 * paired with it. The access level is 'session', not a circulation permission: a paired reader is
 * an input device, like a keyboard-wedge reader typing into any logged-in browser at that desk;
 * whatever the scans are then used for (checkout, return, stock-take, cataloguing) is checked by
 * that operation's own permission. Pairing needs someone at the desk: the code shown on the
 * screen has to be scanned by that desk's reader.
 */

const Pairing = z
  .object({
    agentId: z.string(),
    agentNameJa: z.string(),
    deviceId: z.string(),
    pairedAt: z.string(),
  })
  .openapi('ScannerPairing');

const codeRoute = route('session', {
  method: 'post',
  path: '/scans/pairing-code',
  operationId: 'createScannerPairingCode',
  tags: ['scans'],
  responses: {
    200: json(
      z.object({
        code: z.string(),
        barcode: z.string().describe('the NW-7 symbol text to draw, start/stop included'),
        expiresAt: z.string(),
      }),
      'A one-time code: scan it with the desk’s reader to pair this session with that reader',
    ),
    ...standardErrors,
  },
});

const pairingRoute = route('session', {
  method: 'get',
  path: '/scans/pairing',
  operationId: 'getScannerPairing',
  tags: ['scans'],
  responses: {
    200: json(z.object({ pairing: Pairing.nullable() }), 'The reader this session is paired with'),
    ...standardErrors,
  },
});

const unpairRoute = route('session', {
  method: 'delete',
  path: '/scans/pairing',
  operationId: 'unpairScanner',
  tags: ['scans'],
  responses: {
    200: json(z.object({ unpaired: z.boolean() }), 'No reader feeds this session any more'),
    ...standardErrors,
  },
});

const streamRoute = route('session', {
  method: 'get',
  path: '/scans/stream',
  operationId: 'streamScans',
  tags: ['scans'],
  responses: {
    200: {
      description: 'Server-Sent Events: `pairing` (the current pairing, first), `scan`, `paired`, `unpaired`',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...standardErrors,
  },
});

const HEARTBEAT_MS = 25_000;

export function scanRoutes(deps: AppDeps) {
  const hub = (): ScanHub => {
    if (!deps.scans) throw new AppError('notReady', 'scanner delivery is not running');
    return deps.scans;
  };
  return router()
    .openapi(codeRoute, (c) => c.json(hub().issueCode(c.get('ctx')), 200))
    .openapi(pairingRoute, async (c) => c.json({ pairing: await hub().pairingOf(c.get('ctx')) }, 200))
    .openapi(unpairRoute, async (c) => c.json({ unpaired: await hub().unpair(c.get('ctx')) }, 200))
    .openapi(streamRoute, (c) => {
      const scans = hub();
      const ctx = c.get('ctx');
      return streamSSE(c, async (stream) => {
        const queue: ScanMessage[] = [];
        let wake: (() => void) | undefined;
        const unsubscribe = scans.subscribe(ctx, (m) => {
          queue.push(m);
          wake?.();
        });
        let open = true;
        stream.onAbort(() => {
          open = false;
          wake?.();
        });
        try {
          await stream.writeSSE({
            event: 'pairing',
            data: JSON.stringify({ pairing: await scans.pairingOf(ctx) }),
          });
          while (open) {
            while (queue.length > 0 && open) {
              const m = queue.shift()!;
              await stream.writeSSE({ event: m.type, data: JSON.stringify(m) });
            }
            if (!open) break;
            // wait for a message or the stream's end; a comment now and then keeps proxies from cutting it
            let timer: NodeJS.Timeout | undefined;
            const idle = await new Promise<boolean>((resolve) => {
              wake = () => resolve(false);
              if (queue.length > 0 || !open) resolve(false);
              timer = setTimeout(() => resolve(true), HEARTBEAT_MS);
            });
            clearTimeout(timer);
            wake = undefined;
            if (idle && open && queue.length === 0) await stream.write(': keep-alive\n\n');
          }
        } finally {
          unsubscribe();
        }
      });
    });
}

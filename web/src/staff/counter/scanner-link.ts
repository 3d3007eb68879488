import { createSignal, onCleanup, onMount } from 'solid-js';
import { api, call } from '../../api/client.ts';

export type ScannerPairing = { agentId: string; agentNameJa: string; deviceId: string; pairedAt: string };
export type UnpairReason = 'unpaired' | 'pairedElsewhere' | 'sessionEnded';

const RETRY_MS = 5000;

/**
 * The counter's link to the desk's reader (HID-POS or serial, read by the edge agent): a
 * Server-Sent Events stream from the core carrying the pairing state and each scan. The browser
 * never talks to the agent itself. EventSource reconnects by itself after a dropped link; after a
 * refusal (core restarting, session gone) it is opened again a little later.
 */
export function createScannerLink(onScan: (data: string) => void) {
  const [pairing, setPairing] = createSignal<ScannerPairing | null>(null);
  const [live, setLive] = createSignal(false);
  const [lastUnpair, setLastUnpair] = createSignal<UnpairReason | null>(null);
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const data = <T>(e: Event) => JSON.parse((e as MessageEvent<string>).data) as T;

  function open() {
    if (closed) return;
    const es = new EventSource('/api/scans/stream');
    source = es;
    es.addEventListener('open', () => setLive(true));
    es.addEventListener('pairing', (e) => setPairing(data<{ pairing: ScannerPairing | null }>(e).pairing));
    es.addEventListener('paired', (e) => {
      setPairing(data<{ pairing: ScannerPairing }>(e).pairing);
      setLastUnpair(null);
    });
    es.addEventListener('unpaired', (e) => {
      setPairing(null);
      setLastUnpair(data<{ reason: UnpairReason }>(e).reason);
    });
    es.addEventListener('scan', (e) => onScan(data<{ data: string }>(e).data));
    es.addEventListener('error', () => {
      setLive(false);
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        retry = setTimeout(open, RETRY_MS);
      }
    });
  }

  onMount(open);
  onCleanup(() => {
    closed = true;
    clearTimeout(retry);
    source?.close();
  });

  return {
    pairing,
    live,
    lastUnpair,
    requestCode: () => call(api.scans['pairing-code'].$post()),
    unpair: async () => {
      await call(api.scans.pairing.$delete());
      setPairing(null);
    },
  };
}

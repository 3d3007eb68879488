import { createEffect, createSignal, onCleanup, Show, untrack } from 'solid-js';
import { asProblem, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, t } from '../../i18n/index.ts';
import type { createScannerLink } from '../counter/scanner-link.ts';
import { Nw7Barcode } from './nw7-barcode.tsx';
import { problemText } from './problem-alert.tsx';

type Link = ReturnType<typeof createScannerLink>;
type Code = { code: string; barcode: string; expiresAt: string };

/**
 * 「スキャナー接続」: shows a one-time code as an NW-7 barcode; scanning it with this desk's reader
 * pairs the reader with this screen (the core sees which reader sent it). Once paired, the reader's
 * name and a button to disconnect.
 */
export function ScannerControl(props: { link: Link; onDone: () => void }) {
  const [code, setCode] = createSignal<Code | null>(null);
  const [expired, setExpired] = createSignal(false);
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));

  const showCode = async () => {
    setProblem(null);
    try {
      const c = await props.link.requestCode();
      setCode(c);
      setExpired(false);
      clearTimeout(timer);
      timer = setTimeout(() => setExpired(true), Math.max(0, Date.parse(c.expiresAt) - Date.now()));
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const close = () => {
    clearTimeout(timer);
    setCode(null);
    props.onDone();
  };
  const unpair = async () => {
    setProblem(null);
    try {
      await props.link.unpair();
    } catch (err) {
      setProblem(asProblem(err));
    }
    props.onDone();
  };

  // the code has done its work once the reader is paired
  createEffect(() => {
    if (props.link.pairing() && untrack(code)) close();
  });

  return (
    <div class="scanner-control">
      <Show
        when={props.link.pairing()}
        fallback={
          <button type="button" class="button-quiet" aria-expanded={code() !== null} onClick={showCode}>
            {t('scanner.connect')}
          </button>
        }
      >
        {(p) => (
          <p class="scanner-paired" role="status">
            <span class="badge badge-now">{t('scanner.pairedBadge')}</span>{' '}
            {t('scanner.paired', { agent: p().agentNameJa, device: p().deviceId })}{' '}
            <button type="button" class="button-quiet" onClick={unpair}>
              {t('scanner.unpair')}
            </button>
          </p>
        )}
      </Show>
      <Show when={!props.link.pairing() && props.link.lastUnpair() === 'pairedElsewhere'}>
        <p class="hint">{t('scanner.pairedElsewhere')}</p>
      </Show>
      <Show when={problem()}>{(p) => <p class="feed-error">{problemText(p())}</p>}</Show>
      <Show when={code()}>
        {(c) => (
          <section class="scanner-pairing card" aria-labelledby="scanner-pairing-title">
            <h2 id="scanner-pairing-title">{t('scanner.title')}</h2>
            <Show when={!expired()} fallback={<p class="notice">{t('scanner.expired')}</p>}>
              <p>{t('scanner.instructions')}</p>
              <Nw7Barcode text={c().barcode} label={t('scanner.barcodeLabel', { code: c().code })} />
              <p class="scanner-code">
                <code>{c().code}</code>
              </p>
              <p class="hint">{t('scanner.expires', { time: formatDateTime(c().expiresAt) })}</p>
            </Show>
            <p class="hint">{t('scanner.note')}</p>
            <div class="dialog-actions">
              <button type="button" class="button-quiet" onClick={showCode}>
                {t('scanner.newCode')}
              </button>
              <button type="button" class="button-quiet" onClick={close}>
                {t('scanner.close')}
              </button>
            </div>
          </section>
        )}
      </Show>
    </div>
  );
}

import { A } from '@solidjs/router';
import { createEffect, createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';

type PoolRecord = Awaited<ReturnType<typeof findInPool>>[number];

/** an ISBN (10 or 13 digits, hyphens allowed) is looked up as one; anything else as the supplier's barcode */
const findInPool = (scan: string) => {
  const digits = scan.replace(/[\s-]/g, '');
  const isIsbn = /^(97[89]\d{10}|\d{9}[\dXx])$/.test(digits);
  return call(api.marc.pool.$get({ query: isIsbn ? { isbn: digits } : { barcode: scan } }));
};

/** MARCプール受入: scan the book, see the pool record, adopt it and add its copy in one step. */
export function Receiving() {
  const reference = createLoad(() => call(api.reference.$get()));
  const [scan, setScan] = createSignal('');
  const [found, setFound] = createSignal<PoolRecord[] | null>(null);
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [status, setStatus] = createSignal<{ text: string; bibId: string } | null>(null);
  let input: HTMLInputElement | undefined;

  const find: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const q = scan().trim();
    if (!q) return;
    setProblem(null);
    setStatus(null);
    try {
      setFound(await findInPool(q));
    } catch (err) {
      setFound(null);
      setProblem(asProblem(err));
    }
  };

  return (
    <section aria-labelledby="page-title">
      <p>
        <A href="/search">← {t('nav.search')}</A>
      </p>
      <h1 id="page-title">{t('cat.receiving')}</h1>
      <p class="hint">{t('cat.receivingIntro')}</p>
      <form class="inline-form" onSubmit={find}>
        <div class="field grow">
          <label for="pool-scan">{t('cat.poolScan')}</label>
          <input
            id="pool-scan"
            ref={input}
            autocomplete="off"
            maxLength={64}
            value={scan()}
            onInput={(e) => setScan(e.currentTarget.value)}
            autofocus
          />
        </div>
        <button type="submit" class="button-primary">
          {t('cat.poolFind')}
        </button>
      </form>
      <ProblemAlert problem={problem()} />
      <Show when={status()}>
        {(s) => (
          <p class="notice" role="status">
            {s().text} <A href={`/bibs/${s().bibId}`}>{t('cat.openRecord')}</A>
          </p>
        )}
      </Show>
      <Show when={found()}>
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="notice">{t('cat.poolNone')}</p>}>
            <For each={list()}>
              {(r) => (
                <PoolCard
                  record={r}
                  locations={reference.data()?.locations ?? []}
                  onAdopted={(bibId, count) => {
                    setStatus({ text: t('cat.adoptDone', { count }), bibId });
                    setFound(null);
                    setScan('');
                    input?.focus();
                  }}
                  onProblem={setProblem}
                />
              )}
            </For>
          </Show>
        )}
      </Show>
    </section>
  );
}

function PoolCard(props: {
  record: PoolRecord;
  locations: readonly { id: string; nameJa: string; kind: string }[];
  onAdopted: (bibId: string, count: number) => void;
  onProblem: (p: ProblemInfo | null) => void;
}) {
  const r = props.record;
  // the supplier's barcodes are used when none are typed: one copy for each barcode it put on
  const [barcodes, setBarcodes] = createSignal('');
  const [count, setCount] = createSignal(String(Math.max(1, r.barcodes.length)));
  const [locationId, setLocationId] = createSignal('');
  const [shelf, setShelf] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  createEffect(() => {
    if (!locationId() && props.locations.length)
      setLocationId((props.locations.find((l) => l.kind === 'library') ?? props.locations[0]!).id);
  });
  const titleId = `pool-${r.id}`;
  const adopt: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    props.onProblem(null);
    setBusy(true);
    try {
      const typed = barcodes()
        .split('\n')
        .map((b) => b.trim())
        .filter(Boolean);
      const n = Math.min(50, Math.max(typed.length, Number(count()) || 1));
      const out = await call(
        api.marc.pool[':id'].adopt.$post({
          param: { id: r.id },
          json: {
            items: Array.from({ length: n }, (_, i) => ({
              locationId: locationId(),
              ...(typed[i] ? { barcode: typed[i] } : {}),
              ...(shelf().trim() ? { shelf: shelf().trim() } : {}),
            })),
          },
        }),
      );
      props.onAdopted(out.bibId, out.itemIds.length);
    } catch (err) {
      props.onProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="card" aria-labelledby={titleId}>
      <h2 id={titleId} class="title">
        {r.title}
      </h2>
      <Show when={r.titleReading}>
        <p class="reading">{r.titleReading}</p>
      </Show>
      <dl class="details">
        <div>
          <dt>{t('cat.authorsView')}</dt>
          <dd>{r.authors.map((a) => a.name).join('、')}</dd>
        </div>
        <div>
          <dt>{t('cat.publisher')}</dt>
          <dd>
            {r.publisher} {r.pubYear ?? ''}
          </dd>
        </div>
        <div>
          <dt>{t('cat.isbn')}</dt>
          <dd class="mono">{r.isbn ?? ''}</dd>
        </div>
        <div>
          <dt>{t('cat.barcode')}</dt>
          <dd class="mono">{r.barcodes.join(', ')}</dd>
        </div>
      </dl>
      <Show when={r.adoptedBibId}>
        {(id) => (
          <p class="notice">
            {t('cat.poolAdopted')} <A href={`/bibs/${id()}`}>{t('cat.openRecord')}</A>
          </p>
        )}
      </Show>
      <form class="form-grid" onSubmit={adopt}>
        <div class="field">
          <label for={`${titleId}-count`}>{t('cat.adoptCount')}</label>
          <input
            id={`${titleId}-count`}
            type="number"
            min={1}
            max={50}
            value={count()}
            onInput={(e) => setCount(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${titleId}-barcode`}>{t('cat.adoptBarcode')}</label>
          <textarea
            id={`${titleId}-barcode`}
            rows={2}
            value={barcodes()}
            onInput={(e) => setBarcodes(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${titleId}-location`}>{t('cat.location')}</label>
          <select
            id={`${titleId}-location`}
            value={locationId()}
            onChange={(e) => setLocationId(e.currentTarget.value)}
          >
            <For each={props.locations}>{(l) => <option value={l.id}>{l.nameJa}</option>}</For>
          </select>
        </div>
        <div class="field">
          <label for={`${titleId}-shelf`}>{t('cat.shelf')}</label>
          <input
            id={`${titleId}-shelf`}
            maxLength={100}
            value={shelf()}
            onInput={(e) => setShelf(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="button-primary" disabled={busy()}>
          {t('cat.adopt')}
        </button>
      </form>
    </article>
  );
}

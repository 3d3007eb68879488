import { createSignal, For, Show } from 'solid-js';
import { ApiError, api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, formatNumber, pick, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';

const LISTS = ['missing', 'found', 'misshelved', 'onLoanOrHold', 'duplicate', 'unknown'] as const;
type ListName = (typeof LISTS)[number];
type Counts = Record<ListName, number>;
type Progress = Awaited<ReturnType<typeof loadProgress>>;
type Results = Awaited<ReturnType<typeof loadResults>>;

const loadProgress = (id: string) => call(api.stocktakes[':id'].$get({ param: { id } }));
const loadResults = (id: string, list: ListName) =>
  call(api.stocktakes[':id'].results.$get({ param: { id }, query: { list, limit: '200' } }));

/**
 * 蔵書点検: open a session with its scope, watch batches arrive from the handhelds (or upload a
 * terminal's CSV here), reconcile, read the lists, and close — which marks missing items 不明
 * and found ones 在架.
 */
export function Stocktake() {
  const reference = createLoad(() => call(api.reference.$get()));
  const sessions = createLoad(() => call(api.stocktakes.$get()));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [selected, setSelected] = createSignal<string | null>(null);
  const [progress, setProgress] = createSignal<Progress | null>(null);
  const [counts, setCounts] = createSignal<Counts | null>(null);
  const [results, setResults] = createSignal<Results | null>(null);
  const [uploadNote, setUploadNote] = createSignal<string | null>(null);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    try {
      await fn();
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  };
  const select = (id: string) =>
    run(async () => {
      setSelected(id);
      setResults(null);
      const p = await loadProgress(id);
      setProgress(p);
      setCounts((p.session.summary as Counts | null) ?? null);
    });

  const open = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const locationIds = form.getAll('location').map(String);
    const shelves = String(form.get('shelves') ?? '')
      .split(/[,、\n]/)
      .map((s) => s.trim())
      .filter(Boolean);
    void run(async () => {
      const s = await call(
        api.stocktakes.$post({ json: { nameJa: String(form.get('name') ?? ''), locationIds, shelves } }),
      );
      await sessions.refetch();
      await select(s.id);
    });
  };
  const upload = (e: SubmitEvent) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    const file = (new FormData(formEl).get('file') as File | null) ?? null;
    const id = selected();
    if (!file || !id) return;
    void run(async () => {
      const res = await fetch(
        `/api/stocktakes/${id}/uploads?fileName=${encodeURIComponent(file.name)}&profile=${encodeURIComponent(String(new FormData(formEl).get('profile')))}`,
        { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'text/csv' }, body: file },
      );
      const body = (await res.json()) as {
        status?: string;
        scanCount?: number;
        rejectedLines?: { line: number; reason: string }[];
        code?: string;
        messageJa?: string;
        messageEn?: string;
        requestId?: string;
      };
      if (!res.ok)
        throw new ApiError({
          status: res.status,
          code: body.code ?? `http${res.status}`,
          messageJa: body.messageJa ?? null,
          messageEn: body.messageEn ?? null,
          requestId: body.requestId ?? null,
        });
      const bad = body.rejectedLines ?? [];
      setUploadNote(
        t(body.status === 'duplicate' ? 'stocktake.uploadDuplicate' : 'stocktake.uploadStored', {
          scans: formatNumber(body.scanCount ?? 0),
          rejected: bad.length,
        }) + (bad.length ? ` ${bad.map((r) => `${r.line}: ${r.reason}`).join(' / ')}` : ''),
      );
      formEl.reset();
      setProgress(await loadProgress(id));
    });
  };
  const reconcile = () =>
    run(async () => {
      const id = selected()!;
      setCounts((await call(api.stocktakes[':id'].reconcile.$post({ param: { id } }))).counts);
      setResults(null);
    });
  const showList = (list: ListName) =>
    run(async () => {
      setResults(await loadResults(selected()!, list));
    });
  const close = () => {
    if (!window.confirm(t('stocktake.closeConfirm'))) return;
    void run(async () => {
      const id = selected()!;
      const r = await call(api.stocktakes[':id'].close.$post({ param: { id } }));
      setCounts(r.counts);
      setUploadNote(t('stocktake.closed', { missing: r.markedMissing, found: r.markedFound }));
      await sessions.refetch();
      setProgress(await loadProgress(id));
    });
  };
  const hasOpen = () => (sessions.data()?.sessions ?? []).some((s) => s.status === 'open');

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.stocktake')}</h1>
      <ProblemAlert problem={problem() ?? sessions.problem() ?? reference.problem()} />

      <Show when={sessions.data() && !hasOpen()}>
        <form class="stack" onSubmit={open} aria-labelledby="open-title">
          <h2 id="open-title">{t('stocktake.open')}</h2>
          <label>
            {t('stocktake.name')}
            <input name="name" required maxLength={100} />
          </label>
          <fieldset>
            <legend>{t('stocktake.locations')}</legend>
            <For each={reference.data()?.locations ?? []}>
              {(l) => (
                <label>
                  <input type="checkbox" name="location" value={l.id} /> {pick(l.nameJa, l.nameEn)}
                </label>
              )}
            </For>
          </fieldset>
          <label>
            {t('stocktake.shelves')}
            <input name="shelves" aria-describedby="shelves-hint" />
          </label>
          <p id="shelves-hint" class="hint">
            {t('stocktake.shelvesHint')}
          </p>
          <button type="submit" disabled={busy()}>
            {t('stocktake.openButton')}
          </button>
        </form>
      </Show>

      <h2>{t('stocktake.sessions')}</h2>
      <ul>
        <For each={sessions.data()?.sessions ?? []}>
          {(s) => (
            <li>
              <button type="button" class="button-quiet" onClick={() => void select(s.id)}>
                {s.nameJa} — {t(s.status === 'open' ? 'stocktake.statusOpen' : 'stocktake.statusClosed')} (
                {formatDateTime(s.openedAt)})
              </button>
            </li>
          )}
        </For>
      </ul>

      <Show when={progress()}>
        {(p) => (
          <section aria-labelledby="progress-title">
            <h2 id="progress-title">{p().session.nameJa}</h2>
            <p>
              {t('stocktake.progress', {
                scans: formatNumber(p().scans),
                barcodes: formatNumber(p().barcodes),
                seen: formatNumber(p().scope.seen),
                items: formatNumber(p().scope.items),
                batches: p().batches.length,
              })}
            </p>
            <RowsTable
              rows={p().shelfTags}
              caption={t('stocktake.shelfTags')}
              head={
                <>
                  <th scope="col">{t('stocktake.shelfTag')}</th>
                  <th scope="col" class="num">
                    {t('stocktake.scans')}
                  </th>
                </>
              }
              row={(s) => (
                <tr>
                  <td>{s.shelfTag || '—'}</td>
                  <td class="num">{formatNumber(s.scans)}</td>
                </tr>
              )}
            />
            <RowsTable
              rows={p().batches}
              caption={t('stocktake.batches')}
              head={
                <>
                  <th scope="col">{t('stocktake.receivedAt')}</th>
                  <th scope="col">{t('stocktake.terminal')}</th>
                  <th scope="col">{t('stocktake.origin')}</th>
                  <th scope="col" class="num">
                    {t('stocktake.scans')}
                  </th>
                  <th scope="col">{t('stocktake.rejected')}</th>
                </>
              }
              row={(b) => (
                <tr>
                  <td>{formatDateTime(b.receivedAt)}</td>
                  <td>{b.terminalId}</td>
                  <td>{b.origin}</td>
                  <td class="num">{formatNumber(b.scanCount)}</td>
                  <td>{b.rejectedLines.map((r) => `${r.line}: ${r.reason}`).join(' / ') || '—'}</td>
                </tr>
              )}
            />

            <Show when={p().session.status === 'open'}>
              <form class="stack" onSubmit={upload} aria-labelledby="upload-title">
                <h3 id="upload-title">{t('stocktake.upload')}</h3>
                <label>
                  {t('stocktake.file')}
                  <input type="file" name="file" accept=".csv,.txt,text/csv,text/plain" required />
                </label>
                <label>
                  {t('stocktake.format')}
                  <select name="profile">
                    <option value="generic-handheld-csv-cp932">CSV (Shift_JIS)</option>
                    <option value="generic-handheld-tsv-utf8">TSV (UTF-8)</option>
                  </select>
                </label>
                <button type="submit" disabled={busy()}>
                  {t('stocktake.uploadButton')}
                </button>
              </form>
            </Show>
            <Show when={uploadNote()}>
              <p role="status">{uploadNote()}</p>
            </Show>

            <div class="actions">
              <Show when={p().session.status === 'open'}>
                <button type="button" disabled={busy()} onClick={() => void reconcile()}>
                  {t('stocktake.reconcile')}
                </button>
                <button type="button" class="button-danger" disabled={busy()} onClick={close}>
                  {t('stocktake.close')}
                </button>
              </Show>
            </div>
            <Show when={counts()}>
              {(c) => (
                <ul class="stocktake-lists">
                  <For each={LISTS}>
                    {(l) => (
                      <li>
                        <button type="button" class="button-quiet" onClick={() => void showList(l)}>
                          {t(`stocktake.list.${l}`)}: {formatNumber(c()[l])}
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              )}
            </Show>
            <Show when={results()}>
              {(r) => (
                <RowsTable
                  rows={r().rows}
                  caption={`${t(`stocktake.list.${r().list}`)} (${formatNumber(r().total)})`}
                  head={
                    <>
                      <th scope="col">{t('stocktake.barcode')}</th>
                      <th scope="col">{t('stocktake.title')}</th>
                      <th scope="col">{t('stocktake.where')}</th>
                      <th scope="col">{t('stocktake.detail')}</th>
                    </>
                  }
                  row={(row) => (
                    <tr>
                      <td class="mono">{row.barcode}</td>
                      <td>{row.title ?? '—'}</td>
                      <td>{[row.locationJa, row.shelf, row.callNumber].filter(Boolean).join(' ') || '—'}</td>
                      <td>
                        {Object.entries(row.detail)
                          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
                          .join(' / ')}
                      </td>
                    </tr>
                  )}
                />
              )}
            </Show>
          </section>
        )}
      </Show>
    </section>
  );
}

import { A } from '@solidjs/router';
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, formatNumber, type MessageKey, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';

type Job = Awaited<ReturnType<typeof loadJob>>;
type Format = 'iso2709' | 'marcxml';

const loadJob = (id: string) => call(api.marc.imports[':id'].$get({ param: { id } }));
const loadRecent = () => call(api.marc.imports.$get());
/** how often a running job is asked for its progress */
const POLL_MS = 1000;
const COUNTS = ['processed', 'created', 'updated', 'unchanged', 'rejected'] as const;

const statusKey = (s: Job['status']): MessageKey => `marcImport.status.${s}`;

/** The character sets offered (names the core's isKnownEncoding accepts); '' lets the records tell it. */
const ENCODINGS: { value: string; label: () => string }[] = [
  { value: '', label: () => t('marcImport.encodingAuto') },
  { value: 'leader', label: () => t('marcImport.encodingLeader') },
  { value: 'utf-8', label: () => 'UTF-8' },
  { value: 'cp932', label: () => t('marcImport.encodingShiftJis') },
  { value: 'euc-jp', label: () => 'EUC-JP' },
  { value: 'cp866', label: () => t('marcImport.encodingCp866') },
  { value: 'windows-1251', label: () => t('marcImport.encodingWindows1251') },
];
const encodingLabel = (name: string) => ENCODINGS.find((e) => e.value === name)?.label() ?? name;

/**
 * MARC取込: upload a delivery (TRC weekly MARC, JAPAN/MARC), which the core imports in the
 * background; the page follows its progress and shows the report — rejected records with their
 * position and reason, links to the records written — and the library's recent imports.
 */
export function MarcImport() {
  const recent = createLoad(loadRecent);
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [job, setJob] = createSignal<Job | null>(null);
  const [format, setFormat] = createSignal<Format>('iso2709');
  // MARCXML names its encoding in its XML declaration: the choice is for ISO 2709 only
  const [encoding, setEncoding] = createSignal('');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let left = false;
  onCleanup(() => {
    left = true;
    clearTimeout(timer);
  });

  const follow = async (id: string) => {
    clearTimeout(timer);
    try {
      const j = await loadJob(id);
      if (left || (job() && job()!.id !== id)) return; // the page was left, or another job opened meanwhile
      setJob(j);
      if (j.status === 'queued' || j.status === 'running') timer = setTimeout(() => void follow(id), POLL_MS);
      else void recent.refetch();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const open = (id: string) => {
    setJob(null);
    setProblem(null);
    void follow(id);
  };

  const start = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const file = form.get('file');
    if (!(file instanceof File) || file.size === 0) return;
    setBusy(true);
    setProblem(null);
    try {
      const queued = await call(
        api.marc.imports.$post(
          {
            query: {
              format: format(),
              mapping: String(form.get('mapping')),
              ...(format() === 'iso2709' && encoding() ? { encoding: encoding() } : {}),
              fileName: file.name || 'upload.mrc',
            },
          },
          {
            headers: {
              'content-type': format() === 'marcxml' ? 'application/marcxml+xml' : 'application/marc',
            },
            init: { body: file, credentials: 'same-origin' },
          },
        ),
      );
      (e.target as HTMLFormElement).reset();
      setFormat('iso2709');
      setEncoding('');
      void recent.refetch();
      open(queued.id);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  };
  /** an .xml file is MARCXML; anything else ISO 2709 (the choice stays the librarian's) */
  const pickedFile = (input: HTMLInputElement) => {
    const name = input.files?.[0]?.name ?? '';
    setFormat(/\.xml$/i.test(name) ? 'marcxml' : 'iso2709');
  };

  return (
    <section aria-labelledby="page-title">
      <p>
        <A href="/search">← {t('nav.search')}</A>
      </p>
      <h1 id="page-title">{t('marcImport.title')}</h1>
      <p class="hint">{t('marcImport.intro')}</p>
      <form class="stack" onSubmit={(e) => void start(e)} aria-labelledby="start-title">
        <h2 id="start-title">{t('marcImport.start')}</h2>
        <label>
          {t('marcImport.file')}
          <input
            type="file"
            name="file"
            accept=".mrc,.marc,.dat,.iso,.xml,application/marc,application/xml"
            required
            onChange={(e) => pickedFile(e.currentTarget)}
          />
        </label>
        <label>
          {t('marcImport.format')}
          <select name="format" value={format()} onChange={(e) => setFormat(e.currentTarget.value as Format)}>
            <option value="iso2709">{t('marcImport.formatIso')}</option>
            <option value="marcxml">MARCXML</option>
          </select>
        </label>
        <label>
          {t('marcImport.mapping')}
          <select name="mapping">
            <option value="marc21">{t('marcImport.mappingMarc21')}</option>
            <option value="trc">{t('marcImport.mappingTrc')}</option>
          </select>
        </label>
        <label>
          {t('marcImport.encoding')}
          <select
            name="encoding"
            value={format() === 'marcxml' ? '' : encoding()}
            disabled={format() === 'marcxml'}
            aria-describedby="encoding-hint"
            onChange={(e) => setEncoding(e.currentTarget.value)}
          >
            <For each={ENCODINGS}>{(e) => <option value={e.value}>{e.label()}</option>}</For>
          </select>
        </label>
        <p id="encoding-hint" class="hint">
          {t('marcImport.encodingHint')}
        </p>
        <button type="submit" class="button-primary" disabled={busy()}>
          {t('marcImport.startButton')}
        </button>
      </form>
      <ProblemAlert problem={problem() ?? recent.problem()} />

      <Show when={job()}>{(j) => <JobReport job={j()} />}</Show>

      <h2>{t('marcImport.recent')}</h2>
      <RowsTable
        rows={recent.data()?.jobs ?? []}
        none={t('marcImport.none')}
        head={
          <>
            <th scope="col">{t('marcImport.queuedAt')}</th>
            <th scope="col">{t('marcImport.file')}</th>
            <th scope="col">{t('marcImport.statusLabel')}</th>
            <For each={COUNTS}>
              {(k) => (
                <th scope="col" class="num">
                  {t(`marcImport.count.${k}`)}
                </th>
              )}
            </For>
            <th scope="col">{t('marcImport.startedBy')}</th>
          </>
        }
        row={(r) => (
          <tr>
            <td>{formatDateTime(r.createdAt)}</td>
            <td>
              <button type="button" class="button-quiet" onClick={() => open(r.id)}>
                {r.fileName}
              </button>
              <Show when={r.encoding}>
                {(e) => (
                  <div class="hint">
                    {t('marcImport.encoding')}: {encodingLabel(e())}
                  </div>
                )}
              </Show>
            </td>
            <td>{t(statusKey(r.status))}</td>
            <For each={COUNTS}>{(k) => <td class="num">{formatNumber(r[k])}</td>}</For>
            <td>{r.startedBy.displayName ?? r.startedBy.loginId}</td>
          </tr>
        )}
      />
    </section>
  );
}

/** One job: status, a progress bar over the records the file seems to hold, the counts, then the report. */
function JobReport(props: { job: Job }) {
  const j = () => props.job;
  const ended = () => j().status === 'done' || j().status === 'failed';
  // the estimate of the file's records can be off; the bar never passes its end, and is full once done
  const max = () => Math.max(j().expected ?? 0, j().processed, 1);
  const now = () => (j().status === 'done' ? max() : Math.min(j().processed, max()));
  return (
    <section class="stack" aria-labelledby="job-title">
      <h2 id="job-title">
        {t('marcImport.job')}: {j().fileName}
      </h2>
      <Show when={j().encoding}>
        {(e) => (
          <p>
            {t('marcImport.encoding')}: {encodingLabel(e())}
          </p>
        )}
      </Show>
      <p role="status">
        {t(statusKey(j().status))}
        <Show when={j().status === 'done'}>
          {' '}
          {t('marcImport.doneSummary', { processed: formatNumber(j().processed) })}
        </Show>
      </p>
      <Show when={j().error}>
        <p class="alert" role="alert">
          {t('marcImport.failed')}: {j().error}
        </p>
      </Show>
      <div
        class="import-progress"
        role="progressbar"
        aria-labelledby="job-title"
        aria-valuemin={0}
        aria-valuemax={max()}
        aria-valuenow={now()}
        aria-valuetext={t('marcImport.progressText', {
          processed: formatNumber(j().processed),
          expected: formatNumber(j().expected ?? j().processed),
        })}
      >
        <div class="import-progress-bar" style={{ width: `${(100 * now()) / max()}%` }} />
      </div>
      <dl class="import-counts">
        <For each={COUNTS}>
          {(k) => (
            <div>
              <dt>{t(`marcImport.count.${k}`)}</dt>
              <dd data-count={k}>{formatNumber(j()[k])}</dd>
            </div>
          )}
        </For>
      </dl>
      <Show when={ended()}>
        <h3>{t('marcImport.rejections')}</h3>
        <RowsTable
          rows={j().rejections}
          none={t('marcImport.noRejections')}
          head={
            <>
              <th scope="col" class="num">
                {t('marcImport.position')}
              </th>
              <th scope="col" class="num">
                {t('marcImport.offset')}
              </th>
              <th scope="col">{t('marcImport.reason')}</th>
            </>
          }
          row={(r) => (
            <tr>
              <td class="num">{formatNumber(r.position)}</td>
              <td class="num">{formatNumber(r.offset)}</td>
              <td>{r.reason}</td>
            </tr>
          )}
        />
        <Show when={j().records.length > 0}>
          <h3>{t('marcImport.records')}</h3>
          <ul>
            <For each={j().records}>
              {(r) => (
                <li>
                  <A href={`/bibs/${r.id}`}>{r.title}</A> ({t(`marcImport.count.${r.outcome}`)})
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}

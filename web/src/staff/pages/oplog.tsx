import { createSignal, onMount, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, t } from '../../i18n/index.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';

type Entry = Awaited<ReturnType<typeof loadPage>>['entries'][number];
const PAGE = 50;
const loadPage = (before?: number) =>
  call(api.oplog.$get({ query: { limit: String(PAGE), ...(before ? { before: String(before) } : {}) } }));

/** 操作ログ: newest first, older pages appended on request (the log is append-only and can be long). */
export function Oplog() {
  const [entries, setEntries] = createSignal<Entry[]>([]);
  const [loaded, setLoaded] = createSignal(false);
  const [more, setMore] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);

  const load = async (before?: number) => {
    setBusy(true);
    setProblem(null);
    try {
      const page = await loadPage(before);
      setEntries((prev) => [...prev, ...page.entries]);
      setMore(page.entries.length === PAGE);
      setLoaded(true);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  };
  onMount(() => void load());

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.oplog')}</h1>
      <ProblemAlert problem={problem()} />
      <Show when={loaded()}>
        <RowsTable
          rows={entries()}
          none={t('oplog.none')}
          class="oplog-table"
          head={
            <>
              <th scope="col" class="num">
                {t('oplog.seq')}
              </th>
              <th scope="col">{t('oplog.at')}</th>
              <th scope="col">{t('oplog.staff')}</th>
              <th scope="col">{t('oplog.action')}</th>
              <th scope="col">{t('oplog.target')}</th>
              <th scope="col">{t('oplog.workstation')}</th>
            </>
          }
          row={(e) => (
            <tr>
              <td class="num">{e.seq}</td>
              <td>
                <time datetime={e.at}>{formatDateTime(e.at)}</time>
              </td>
              <td>{e.staffLoginId ?? '—'}</td>
              <td class="mono">{e.action}</td>
              <td class="mono">{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</td>
              <td>{e.workstation ?? '—'}</td>
            </tr>
          )}
        />
        <Show when={more()}>
          <button
            type="button"
            class="button-quiet"
            disabled={busy()}
            onClick={() => load(entries().at(-1)?.seq)}
          >
            {t('oplog.older')}
          </button>
        </Show>
      </Show>
    </section>
  );
}

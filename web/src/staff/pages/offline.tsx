import { createSignal, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, type MessageKey, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';
import { can } from '../session.ts';

const CODES = [
  'itemWasOnLoan',
  'itemLentLater',
  'patronSuspended',
  'patronExpired',
  'cardNotActive',
  'itemHeldForOther',
  'itemNotAvailable',
  'itemNotFound',
  'cardNotFound',
  'badScan',
] as const;
const codeLabel = (code: string): string =>
  (CODES as readonly string[]).includes(code) ? t(`offline.code.${code}` as MessageKey) : code;

const loadAll = async () => ({
  conflicts: (await call(api.offline.conflicts.$get())).conflicts,
  sessions: (await call(api.offline.sessions.$get({ query: {} }))).sessions,
});
type Conflict = NonNullable<Awaited<ReturnType<typeof loadAll>>>['conflicts'][number];

/** オフライン貸出: what the bookmobile recorded out of coverage, how it was replayed, and what staff must check. */
export function Offline() {
  const { data, problem, refetch } = createLoad(loadAll);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.offline')}</h1>
      <ProblemAlert problem={problem()} />
      <Show when={data()}>
        {(d) => (
          <>
            <h2>{t('offline.conflicts')}</h2>
            <RowsTable
              rows={d().conflicts}
              none={t('offline.noConflicts')}
              head={
                <>
                  <th scope="col">{t('offline.at')}</th>
                  <th scope="col">{t('offline.kind')}</th>
                  <th scope="col">{t('offline.item')}</th>
                  <th scope="col">{t('offline.conflict')}</th>
                  <Show when={can('circulation.override')}>
                    <th scope="col">{t('offline.resolve')}</th>
                  </Show>
                </>
              }
              row={(c) => <ConflictRow conflict={c} onResolved={refetch} />}
            />
            <h2>{t('offline.sessions')}</h2>
            <RowsTable
              rows={d().sessions}
              none={t('offline.noSessions')}
              head={
                <>
                  <th scope="col">{t('offline.agent')}</th>
                  <th scope="col">{t('offline.period')}</th>
                  <th scope="col" class="num">
                    {t('offline.operations')}
                  </th>
                  <th scope="col" class="num">
                    {t('offline.applied')}
                  </th>
                  <th scope="col" class="num">
                    {t('offline.open')}
                  </th>
                </>
              }
              row={(s) => (
                <tr>
                  <td>{s.agentNameJa}</td>
                  <td>
                    <time datetime={s.firstOpAt}>{formatDateTime(s.firstOpAt)}</time> –{' '}
                    <time datetime={s.lastOpAt}>{formatDateTime(s.lastOpAt)}</time>
                  </td>
                  <td class="num">{s.operations}</td>
                  <td class="num">{s.applied}</td>
                  <td class="num">{s.openConflicts}</td>
                </tr>
              )}
            />
          </>
        )}
      </Show>
    </section>
  );
}

function ConflictRow(props: { conflict: Conflict; onResolved: () => void }) {
  const [note, setNote] = createSignal('');
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [busy, setBusy] = createSignal(false);
  const resolve = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await call(
        api.offline.operations[':id'].resolve.$post({
          param: { id: props.conflict.id },
          json: { note: note() },
        }),
      );
      props.onResolved();
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  };
  const c = props.conflict;
  return (
    <tr>
      <td>
        <time datetime={c.at}>{formatDateTime(c.at)}</time>
      </td>
      <td>{t(c.kind === 'checkout' ? 'offline.checkout' : 'offline.return')}</td>
      <td class="mono">{c.itemBarcode}</td>
      <td>{c.conflicts.map(codeLabel).join('、')}</td>
      <Show when={can('circulation.override')}>
        <td>
          <form onSubmit={resolve}>
            <label>
              <span class="visually-hidden">{t('offline.note')}</span>
              <input
                value={note()}
                onInput={(e) => setNote(e.currentTarget.value)}
                required
                maxLength={500}
                placeholder={t('offline.note')}
              />
            </label>
            <button type="submit" disabled={busy()}>
              {t('offline.resolve')}
            </button>
          </form>
          <ProblemAlert problem={problem()} />
        </td>
      </Show>
    </tr>
  );
}

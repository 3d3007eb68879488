import { createSignal, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';

/**
 * 取置連絡リスト: holds on the pickup shelf whose patron was not told by mail (phone contact, or no
 * address). Staff phone them and mark each 連絡済み, which takes it off the list.
 */
export function Holds() {
  const list = createLoad(() => call(api.holds['to-phone'].$get({ query: {} })));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const markContacted = async (id: string) => {
    setProblem(null);
    try {
      await call(api.holds[':id'].contacted.$post({ param: { id } }));
      await list.refetch();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('holds.toPhone')}</h1>
      <ProblemAlert problem={list.problem() ?? problem()} />
      <Show when={list.data()}>
        {(data) => (
          <RowsTable
            rows={data().holds}
            none={t('holds.toPhoneNone')}
            head={
              <>
                <th scope="col">{t('holds.title')}</th>
                <th scope="col">{t('holds.pickup')}</th>
                <th scope="col">{t('holds.pickupBy')}</th>
                <th scope="col">{t('holds.patron')}</th>
                <th scope="col">{t('holds.phone')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('holds.contacted')}</span>
                </th>
              </>
            }
            row={(h) => (
              <tr>
                <td>{h.title}</td>
                <td>{h.pickupLocationJa}</td>
                <td>{h.pickupBy ?? '—'}</td>
                <td>{h.patronName}</td>
                <td>{h.phone ?? '—'}</td>
                <td>
                  <button type="button" onClick={() => markContacted(h.holdId)}>
                    {t('holds.contacted')}
                  </button>
                </td>
              </tr>
            )}
          />
        )}
      </Show>
    </section>
  );
}

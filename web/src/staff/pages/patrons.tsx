import { A, useNavigate, useSearchParams } from '@solidjs/router';
import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { lang, t } from '../../i18n/index.ts';
import { createLoadOn } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';
import { me } from '../session.ts';
import { statusLabel } from './patron-labels.ts';

type StatusFilter = 'active' | 'suspended' | 'expired';
const STATUS_FILTERS: StatusFilter[] = ['active', 'suspended', 'expired'];
const asStatus = (v: string | undefined) => STATUS_FILTERS.find((s) => s === v);

/**
 * 利用者: search by name, reading (ひらがな too) or card number, and/or list by status (期限切れ
 * among them) — a wedge scanner types a card into the field and presses Enter, which opens that
 * patron. Results show the minimum only.
 */
export function Patrons() {
  const [params, setParams] = useSearchParams<{ q?: string; status?: string }>();
  const [draft, setDraft] = createSignal(params.q ?? '');
  const [statusDraft, setStatusDraft] = createSignal(asStatus(params.status) ?? '');
  const navigate = useNavigate();
  const canWrite = () => me()?.permissions.includes('patrons.write') ?? false;
  const { data: results, problem } = createLoadOn(
    () => {
      const q = (params.q ?? '').trim();
      const status = asStatus(params.status);
      return q || status ? { q, status } : null;
    },
    async ({ q, status }) => {
      const r = await call(
        api.patrons.$get({ query: { ...(q ? { q } : {}), ...(status ? { status } : {}), limit: '100' } }),
      );
      // a scanned card finds exactly one patron: open it straight away
      if (q && r.patrons.length === 1 && r.patrons[0]!.card === q) navigate(`/patrons/${r.patrons[0]!.id}`);
      return r.patrons;
    },
  );

  const today = () => new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' });
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    setParams({ q: draft().trim() || undefined, status: statusDraft() || undefined });
  };

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.patrons')}</h1>
      <form class="inline-form" onSubmit={onSubmit}>
        <div class="field grow">
          <label for="patron-q">{t('patrons.search')}</label>
          <input
            id="patron-q"
            type="search"
            name="q"
            autocomplete="off"
            maxLength={100}
            value={draft()}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="patron-status">{t('patrons.status')}</label>
          <select
            id="patron-status"
            name="status"
            value={statusDraft()}
            onChange={(e) => setStatusDraft(asStatus(e.currentTarget.value) ?? '')}
          >
            <option value="">{t('patrons.status.any')}</option>
            <For each={STATUS_FILTERS}>{(s) => <option value={s}>{statusLabel(s)}</option>}</For>
          </select>
        </div>
        <button type="submit" class="button-primary">
          {t('patrons.searchSubmit')}
        </button>
        <Show when={canWrite()}>
          <A class="button-quiet button-link" href="/patrons/new">
            {t('patrons.register')}
          </A>
        </Show>
      </form>
      <ProblemAlert problem={problem()} />
      <Show when={results()}>
        {(rows) => (
          <RowsTable
            rows={rows()}
            none={t('patrons.none')}
            class="results-table"
            head={
              <>
                <th scope="col">{t('patrons.name')}</th>
                <th scope="col">{t('patrons.category')}</th>
                <th scope="col">{t('patrons.card')}</th>
                <th scope="col">{t('patrons.status')}</th>
                <th scope="col">{t('patrons.expiresOn')}</th>
              </>
            }
            row={(p) => (
              <tr>
                <td>
                  <A href={`/patrons/${p.id}`}>{p.name}</A>
                  <span class="reading">{p.nameReading}</span>
                </td>
                <td>{lang() === 'en' ? p.category.nameEn : p.category.nameJa}</td>
                <td class="mono">{p.card ?? '—'}</td>
                <td>{statusLabel(p.status === 'active' && p.expiresOn < today() ? 'expired' : p.status)}</td>
                <td>{p.expiresOn}</td>
              </tr>
            )}
          />
        )}
      </Show>
    </section>
  );
}

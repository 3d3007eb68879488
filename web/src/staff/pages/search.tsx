import { useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatNumber, t } from '../../i18n/index.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';

const PAGE = 20;

/** 資料検索: the query lives in the address, so Back and a reload keep the results. */
export function Search() {
  const [params, setParams] = useSearchParams<{ q?: string; offset?: string }>();
  const [draft, setDraft] = createSignal(params.q ?? '');
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const query = () => {
    const q = (params.q ?? '').trim();
    return q ? { q, offset: Math.max(0, Number(params.offset) || 0) } : null;
  };
  const [results] = createResource(query, async ({ q, offset }) => {
    setProblem(null);
    try {
      return await call(api.bibs.$get({ query: { q, limit: String(PAGE), offset: String(offset) } }));
    } catch (err) {
      setProblem(asProblem(err));
      return undefined;
    }
  });

  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    setParams({ q: draft().trim() || undefined, offset: undefined });
  };
  const go = (offset: number) => setParams({ offset: offset > 0 ? String(offset) : undefined });

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.search')}</h1>
      <form class="inline-form" onSubmit={onSubmit}>
        <div class="field grow">
          <label for="search-q">{t('search.query')}</label>
          <input
            id="search-q"
            type="search"
            name="q"
            maxLength={200}
            value={draft()}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="button-primary">
          {t('search.submit')}
        </button>
      </form>
      <ProblemAlert problem={problem()} />
      <Show when={results()}>
        {(r) => (
          <div class="results">
            <p class="result-count" role="status">
              {t('search.total', { total: formatNumber(r().total) })}
            </p>
            <Show when={r().items.length > 0} fallback={<p class="notice">{t('search.none')}</p>}>
              <div class="table-wrap">
                <table class="results-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('search.title')}</th>
                      <th scope="col">{t('search.author')}</th>
                      <th scope="col">{t('search.publisher')}</th>
                      <th scope="col">{t('search.year')}</th>
                      <th scope="col">{t('search.isbn')}</th>
                      <th scope="col">{t('search.ndc')}</th>
                      <th scope="col" class="num">
                        {t('search.available')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={r().items}>
                      {(b) => (
                        <tr>
                          <td>
                            <span class="title">{b.title}</span>
                            <Show when={b.titleReading}>
                              <span class="reading">{b.titleReading}</span>
                            </Show>
                          </td>
                          <td>{b.authors.map((a) => a.name).join('、')}</td>
                          <td>{b.publisher}</td>
                          <td>{b.pubYear ?? ''}</td>
                          <td class="mono">{b.isbn ?? ''}</td>
                          <td class="mono">{b.ndc ?? ''}</td>
                          <td class="num">
                            {b.availableCount} / {b.itemCount}
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <nav class="pager" aria-label={t('search.page', pageRange(query()?.offset ?? 0, r()))}>
                <button
                  type="button"
                  class="button-quiet"
                  disabled={(query()?.offset ?? 0) === 0}
                  onClick={() => go((query()?.offset ?? 0) - PAGE)}
                >
                  {t('search.prev')}
                </button>
                <span>{t('search.page', pageRange(query()?.offset ?? 0, r()))}</span>
                <button
                  type="button"
                  class="button-quiet"
                  disabled={(query()?.offset ?? 0) + PAGE >= r().total}
                  onClick={() => go((query()?.offset ?? 0) + PAGE)}
                >
                  {t('search.next')}
                </button>
              </nav>
            </Show>
          </div>
        )}
      </Show>
    </section>
  );
}

const pageRange = (offset: number, r: { total: number; items: unknown[] }) => ({
  from: formatNumber(offset + 1),
  to: formatNumber(offset + r.items.length),
});

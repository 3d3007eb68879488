import { A, useSearchParams } from '@solidjs/router';
import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { formatNumber, type MessageKey, t } from '../../i18n/index.ts';
import { createLoadOn } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { type FacetKey, facetsInAddress, SearchFacets } from '../components/search-facets.tsx';
import { can } from '../session.ts';

const PAGE = 20;
const FACETS = ['availability', 'materialType', 'location', 'decade', 'ndc'] as const satisfies FacetKey[];
const SORTS = ['relevance', 'newest', 'reading'] as const;
type Sort = (typeof SORTS)[number];
type Params = Partial<Record<'q' | 'offset' | 'sort' | FacetKey, string>>;

/**
 * 資料検索: the query, the sort and the facets chosen live in the address, so Back, a reload and a
 * link keep the results. Facets (type, location, availability, decade, NDC class) narrow the hits
 * (SearchFacets, shared with the WebOPAC); the sort is relevance, newest or 五十音順.
 */
export function Search() {
  const [params, setParams] = useSearchParams<Params>();
  const [draft, setDraft] = createSignal(params.q ?? '');
  const sort = (): Sort => (SORTS.includes(params.sort as Sort) ? (params.sort as Sort) : 'relevance');
  const offset = () => Math.max(0, Number(params.offset) || 0);
  const query = () => {
    const q = (params.q ?? '').trim();
    const filters: Record<string, string> = {};
    for (const f of FACETS) if (params[f]) filters[f] = params[f];
    if (!q && Object.keys(filters).length === 0) return null;
    return { q, ...filters, sort: sort(), limit: String(PAGE), offset: String(offset()) };
  };
  const { data: results, problem } = createLoadOn(query, (q) => call(api.bibs.$get({ query: q })));

  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    // a new search starts unfiltered; the sort chosen stays
    setParams({
      q: draft().trim() || undefined,
      offset: undefined,
      ...Object.fromEntries(FACETS.map((f) => [f, undefined])),
    });
  };
  const go = (next: number) => setParams({ offset: next > 0 ? String(next) : undefined });
  const facetText = (key: FacetKey) => t(`search.facet.${key}` as MessageKey);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.search')}</h1>
      <Show when={can('catalog.write')}>
        <p class="row-actions">
          <A href="/receiving">{t('cat.receiving')}</A>
          <A href="/bibs/new">{t('cat.newBib')}</A>
          <A href="/marc-import">{t('marcImport.link')}</A>
        </p>
      </Show>
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
        <div class="field">
          <label for="search-sort">{t('search.sort')}</label>
          <select
            id="search-sort"
            value={sort()}
            onChange={(e) =>
              setParams({
                sort: e.currentTarget.value === 'relevance' ? undefined : e.currentTarget.value,
                offset: undefined,
              })
            }
          >
            <For each={SORTS}>{(s) => <option value={s}>{t(`search.sort.${s}`)}</option>}</For>
          </select>
        </div>
        <button type="submit" class="button-primary">
          {t('search.submit')}
        </button>
      </form>
      <ProblemAlert problem={problem()} />
      <Show when={results()}>
        {(r) => (
          <div class="search-layout">
            <Show when={r().facets}>
              {(f) => (
                <SearchFacets
                  facets={f()}
                  keys={FACETS}
                  {...facetsInAddress(FACETS, params, setParams)}
                  heading={t('search.facets')}
                  headingId="search-facets-heading"
                  clearLabel={t('search.clearFilters')}
                  facetHeading={facetText}
                  valueLabel={(key, value) =>
                    key === 'availability' ? t(`search.avail.${value}` as MessageKey) : undefined
                  }
                  note={
                    r().facetsExact ? undefined : t('search.facetsSample', { n: formatNumber(r().total) })
                  }
                />
              )}
            </Show>
            <div class="results">
              <p class="result-count" role="status">
                {t(r().totalExact ? 'search.total' : 'search.totalAtLeast', {
                  total: formatNumber(r().total),
                })}
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
                              <A class="title" href={`/bibs/${b.id}`}>
                                {b.title}
                              </A>
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
                <nav class="pager" aria-label={t('search.page', pageRange(offset(), r()))}>
                  <button
                    type="button"
                    class="button-quiet"
                    disabled={offset() === 0}
                    onClick={() => go(offset() - PAGE)}
                  >
                    {t('search.prev')}
                  </button>
                  <span>{t('search.page', pageRange(offset(), r()))}</span>
                  <button
                    type="button"
                    class="button-quiet"
                    disabled={offset() + PAGE >= r().total}
                    onClick={() => go(offset() + PAGE)}
                  >
                    {t('search.next')}
                  </button>
                </nav>
              </Show>
            </div>
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

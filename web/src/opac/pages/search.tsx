import { A, useSearchParams } from '@solidjs/router';
import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { formatNumber } from '../../i18n/index.ts';
import { createLoadOn } from '../../staff/components/load.ts';
import { ProblemAlert } from '../../staff/components/problem-alert.tsx';
import { facetsInAddress, SearchFacets } from '../../staff/components/search-facets.tsx';
import { ot } from '../i18n.ts';
import { isKiosk, kioskId, usePageTitle } from '../state.ts';

const PAGE = 20;
type Params = {
  q?: string;
  title?: string;
  author?: string;
  isbn?: string;
  ndc?: string;
  sort?: string;
  offset?: string;
  availability?: string;
  location?: string;
  materialType?: string;
  decade?: string;
  kiosk?: string;
};
const FIELDS = ['q', 'title', 'author', 'isbn', 'ndc'] as const;
const FACETS = ['availability', 'location', 'ndc', 'decade', 'materialType'] as const;
type Sort = 'relevance' | 'newest' | 'reading';

export function Availability(props: {
  availability: string;
  available: number;
  total: number;
  holds: number;
}) {
  return (
    <p class={`avail avail-${props.availability}`}>
      <span class="avail-label">{ot(`avail.${props.availability as 'available' | 'onLoan' | 'none'}`)}</span>
      <span> {ot('avail.copies', { available: props.available, total: props.total })}</span>
      <Show when={props.holds > 0}>
        <span> ・{ot('avail.holds', { n: props.holds })}</span>
      </Show>
    </p>
  );
}

/**
 * 蔵書検索: the form and the results share one address (/opac/search?title=…&author=…&isbn=…), so a
 * link from outside (カーリル, 横断検索) opens the same results, and Back keeps them.
 */
export function SearchPage() {
  usePageTitle(() => ot('search.heading'));
  const [params, setParams] = useSearchParams<Params>();
  const [more, setMore] = createSignal(Boolean(params.title || params.author || params.isbn || params.ndc));
  const draft: Record<(typeof FIELDS)[number], string> = { q: '', title: '', author: '', isbn: '', ndc: '' };
  for (const f of FIELDS) draft[f] = params[f] ?? '';

  const query = () => {
    const any = FIELDS.some((f) => (params[f] ?? '').trim());
    if (!any) return null;
    const q: Record<string, string> = { limit: String(PAGE) };
    for (const f of [...FIELDS, ...FACETS, 'sort', 'offset'] as const) {
      const v = params[f]?.trim();
      if (v) q[f] = v;
    }
    return q;
  };
  const { data: results, problem } = createLoadOn(query, (q) => call(api.opac.search.$get({ query: q })));

  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next: Record<string, string | undefined> = { offset: undefined };
    for (const f of FIELDS) next[f] = String(form.get(f) ?? '').trim() || undefined;
    next.sort = String(form.get('sort') ?? '') || undefined;
    for (const f of FACETS) next[f] = undefined;
    if (kioskId) next.kiosk = kioskId;
    setParams(next);
  };
  /** A field under 詳細検索; at the kiosk, no phone keyboard: the on-screen kana keyboard types. */
  const MoreField = (props: {
    name: Exclude<(typeof FIELDS)[number], 'q'>;
    maxLength: number;
    inputMode?: 'numeric' | 'decimal';
  }) => (
    <div class="field">
      <label for={`opac-${props.name}`}>{ot(`search.${props.name}`)}</label>
      <input
        id={`opac-${props.name}`}
        name={props.name}
        type="text"
        inputMode={isKiosk ? 'none' : props.inputMode}
        maxLength={props.maxLength}
        value={draft[props.name]}
      />
    </div>
  );
  const offset = () => Math.max(0, Number(params.offset) || 0);
  const detailHref = (id: string) =>
    `/opac/bib/${id}${isKiosk ? `?kiosk=${encodeURIComponent(kioskId!)}` : ''}`;

  return (
    <section aria-labelledby="search-heading" class="search">
      <h1 id="search-heading">{ot('search.heading')}</h1>
      <form class="search-form" onSubmit={onSubmit} aria-labelledby="search-heading">
        <div class="field">
          <label for="opac-q">{ot('search.q')}</label>
          <input
            id="opac-q"
            name="q"
            type="search"
            maxLength={200}
            value={draft.q}
            autocomplete="off"
            inputMode={isKiosk ? 'none' : undefined}
          />
        </div>
        <details open={more()} onToggle={(e) => setMore(e.currentTarget.open)}>
          <summary>{ot('search.more')}</summary>
          <MoreField name="title" maxLength={200} />
          <MoreField name="author" maxLength={200} />
          <div class="field-row">
            <MoreField name="isbn" maxLength={20} inputMode="numeric" />
            <MoreField name="ndc" maxLength={8} inputMode="decimal" />
          </div>
        </details>
        <div class="field">
          <label for="opac-sort">{ot('search.sort')}</label>
          <select id="opac-sort" name="sort" value={params.sort ?? 'relevance'}>
            <For each={['relevance', 'newest', 'reading'] as Sort[]}>
              {(s) => <option value={s}>{ot(`search.sort.${s}`)}</option>}
            </For>
          </select>
        </div>
        <button type="submit" class="button-primary">
          {ot('search.submit')}
        </button>
      </form>
      <ProblemAlert problem={problem()} />
      <div role="status" aria-live="polite" class="result-count">
        <Show when={results()} fallback={<Show when={!query()}>{ot('search.hint')}</Show>}>
          {/* in JSX, so the count follows each new result (a facet pressed), not just the first */}
          {(r) => (
            <>{r().total > 0 ? ot('search.total', { total: formatNumber(r().total) }) : ot('search.none')}</>
          )}
        </Show>
      </div>
      <Show when={results()}>
        {(r) => (
          <div class="results-layout">
            <Show when={r().facets}>
              {(f) => (
                <SearchFacets
                  facets={f()}
                  keys={FACETS}
                  {...facetsInAddress(FACETS, params, setParams)}
                  heading={ot('search.facets')}
                  headingId="facets-heading"
                  clearLabel={ot('search.clearFilters')}
                  facetHeading={(key) => ot(`search.facet.${key}`)}
                  valueLabel={(key, value) =>
                    key === 'availability' ? ot(`avail.${value as 'available'}`) : undefined
                  }
                />
              )}
            </Show>
            <section aria-labelledby="results-heading" class="results">
              <h2 id="results-heading" class="visually-hidden">
                {ot('search.results')}
              </h2>
              <ol class="hit-list" start={offset() + 1}>
                <For each={r().items}>
                  {(b) => (
                    <li class="hit">
                      <h3 class="hit-title">
                        <A href={detailHref(b.id)}>{b.title}</A>
                      </h3>
                      <p class="hit-meta">
                        {[b.authors.join('、'), b.publisher, b.pubYear].filter(Boolean).join(' / ')}
                      </p>
                      <Availability
                        availability={b.availability}
                        available={b.availableCount}
                        total={b.itemCount}
                        holds={b.holdCount}
                      />
                    </li>
                  )}
                </For>
              </ol>
              <nav class="pager" aria-label={ot('search.results')}>
                <Show when={offset() > 0}>
                  <button
                    type="button"
                    onClick={() => setParams({ offset: String(Math.max(0, offset() - PAGE)) || undefined })}
                  >
                    {ot('search.prev')}
                  </button>
                </Show>
                <Show when={offset() + PAGE < r().total}>
                  <button type="button" onClick={() => setParams({ offset: String(offset() + PAGE) })}>
                    {ot('search.next')}
                  </button>
                </Show>
              </nav>
            </section>
          </div>
        )}
      </Show>
    </section>
  );
}

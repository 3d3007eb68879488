import { A, useSearchParams } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { ot } from '../i18n.ts';
import { usePageTitle } from '../state.ts';

const NDC_CLASSES = [
  ['0', '総記', 'General works'],
  ['1', '哲学', 'Philosophy'],
  ['2', '歴史', 'History'],
  ['3', '社会科学', 'Social sciences'],
  ['4', '自然科学', 'Natural sciences'],
  ['5', '技術', 'Technology'],
  ['6', '産業', 'Industry'],
  ['7', '芸術', 'Arts'],
  ['8', '言語', 'Language'],
  ['9', '文学', 'Literature'],
] as const;

type Listed = { id: string; title: string; authors: string[]; publisher: string; pubYear: number | null };

function BookList(props: { items: Listed[]; extra: (b: Listed) => string }) {
  return (
    <Show when={props.items.length > 0} fallback={<p>{ot('popular.none')}</p>}>
      <ol class="hit-list">
        <For each={props.items}>
          {(b) => (
            <li class="hit">
              <h2 class="hit-title">
                <A href={`/opac/bib/${b.id}`}>{b.title}</A>
              </h2>
              <p class="hit-meta">
                {[b.authors.join('、'), b.publisher, b.pubYear].filter(Boolean).join(' / ')}
              </p>
              <p class="hit-extra">{props.extra(b)}</p>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}

/** 新着資料: the last 90 days, optionally one NDC class (/opac/new?ndc=9). */
export function NewArrivals() {
  usePageTitle(() => ot('new.heading'));
  const [params, setParams] = useSearchParams<{ ndc?: string }>();
  const [list] = createResource(
    () => params.ndc ?? '',
    async (ndc) => call(api.opac.new.$get({ query: ndc ? { ndc } : {} })),
  );
  return (
    <section aria-labelledby="new-heading">
      <h1 id="new-heading">{ot('new.heading')}</h1>
      <p>{ot('new.hint')}</p>
      <div class="field">
        <label for="new-ndc">{ot('new.class')}</label>
        <select
          id="new-ndc"
          value={params.ndc ?? ''}
          onChange={(e) => setParams({ ndc: e.currentTarget.value || undefined })}
        >
          <option value="">{ot('new.all')}</option>
          <For each={NDC_CLASSES}>
            {([code, ja, en]) => (
              <option value={code}>
                {code} {document.documentElement.lang === 'en' ? en : ja}
              </option>
            )}
          </For>
        </select>
      </div>
      <div role="status" aria-live="polite">
        <Show when={list()}>
          {(l) => (
            <BookList items={l().items} extra={(b) => (b as Listed & { arrivedOn: string }).arrivedOn} />
          )}
        </Show>
      </div>
    </section>
  );
}

/** ベストリーダー and よく予約されている本. */
export function Popular() {
  usePageTitle(() => ot('popular.heading'));
  const [params, setParams] = useSearchParams<{ kind?: string }>();
  const kind = (): 'loaned' | 'reserved' => (params.kind === 'reserved' ? 'reserved' : 'loaned');
  const [list] = createResource(kind, async (k) => call(api.opac.popular.$get({ query: { kind: k } })));
  return (
    <section aria-labelledby="popular-heading">
      <h1 id="popular-heading">{ot('popular.heading')}</h1>
      {/* biome-ignore lint/a11y/useSemanticElements: a labelled group of toggle buttons */}
      <div class="toggle-group" role="group" aria-label={ot('popular.heading')}>
        <For each={['loaned', 'reserved'] as const}>
          {(k) => (
            <button
              type="button"
              aria-pressed={kind() === k}
              onClick={() => setParams({ kind: k === 'loaned' ? undefined : k })}
            >
              {ot(`popular.${k}`)}
            </button>
          )}
        </For>
      </div>
      <Show when={list()}>
        {(l) => (
          <BookList
            items={l().items}
            extra={(b) => ot(`popular.count.${kind()}`, { n: (b as Listed & { count: number }).count })}
          />
        )}
      </Show>
    </section>
  );
}

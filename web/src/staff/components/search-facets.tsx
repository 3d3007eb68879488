import { For, Show } from 'solid-js';
import { formatNumber, pick } from '../../i18n/index.ts';

export type FacetKey = 'materialType' | 'location' | 'availability' | 'decade' | 'ndc';
export type FacetValue = { value: string; label: string; labelEn?: string; count: number };

/**
 * 絞り込み, shared by the WebOPAC and the staff search: each facet a list of toggle buttons
 * (aria-pressed) with their counts; pressing one narrows by it, pressing it again lets it go. The
 * caller keeps the choice (in the address, so the narrowed results have a stable URL) and gives the
 * texts in its own dictionary. Values without a name (no year, no class) are counted but not offered.
 * After a press the same button keeps the keyboard focus, though the list is drawn anew.
 */
/**
 * The facet list's selection kept in the page's address (`useSearchParams`): pressing a facet sets or
 * clears its parameter and goes back to the first page of results.
 */
export function facetsInAddress(
  keys: readonly FacetKey[],
  params: Partial<Record<FacetKey, string>>,
  setParams: (changes: Record<string, string | undefined>) => void,
) {
  return {
    selected: (key: FacetKey) => params[key],
    onSelect: (key: FacetKey, value: string | undefined) => setParams({ [key]: value, offset: undefined }),
    onClear: () => setParams({ ...Object.fromEntries(keys.map((k) => [k, undefined])), offset: undefined }),
  };
}

export function SearchFacets(props: {
  facets: Partial<Record<FacetKey, FacetValue[]>>;
  /** the facets to show, in this order */
  keys: readonly FacetKey[];
  selected: (key: FacetKey) => string | undefined;
  onSelect: (key: FacetKey, value: string | undefined) => void;
  onClear: () => void;
  heading: string;
  headingId: string;
  clearLabel: string;
  facetHeading: (key: FacetKey) => string;
  /** a value's text where the caller has its own (availability); else the server's label */
  valueLabel?: (key: FacetKey, value: string) => string | undefined;
  /** shown under the heading, e.g. that the counts cover the first hits only */
  note?: string | undefined;
}) {
  let refocus: string | null = null;
  const filtered = () => props.keys.some((k) => props.selected(k));
  return (
    <section class="facets" aria-labelledby={props.headingId}>
      <h2 id={props.headingId}>{props.heading}</h2>
      <Show when={props.note}>
        <p class="facets-note">{props.note}</p>
      </Show>
      <Show when={filtered()}>
        <button type="button" class="button-link" onClick={() => props.onClear()}>
          {props.clearLabel}
        </button>
      </Show>
      <For each={props.keys}>
        {(key) => (
          <Show when={(props.facets[key] ?? []).some((x) => x.value !== '')}>
            <h3>{props.facetHeading(key)}</h3>
            <ul class="facet-list">
              <For each={(props.facets[key] ?? []).filter((x) => x.value !== '')}>
                {(x) => {
                  const id = `${key}:${x.value}`;
                  return (
                    <li>
                      <button
                        type="button"
                        class="facet"
                        data-facet={id}
                        aria-pressed={props.selected(key) === x.value}
                        ref={(el) => {
                          if (refocus === id) {
                            refocus = null;
                            queueMicrotask(() => el.focus());
                          }
                        }}
                        onClick={(e) => {
                          refocus = id;
                          e.currentTarget.focus();
                          props.onSelect(key, props.selected(key) === x.value ? undefined : x.value);
                        }}
                      >
                        {`${props.valueLabel?.(key, x.value) ?? pick(x.label, x.labelEn ?? x.label)} (${formatNumber(x.count)})`}
                      </button>
                    </li>
                  );
                }}
              </For>
            </ul>
          </Show>
        )}
      </For>
    </section>
  );
}

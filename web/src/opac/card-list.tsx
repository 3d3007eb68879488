import { For, type JSX, Show } from 'solid-js';
import { ot } from './i18n.ts';

/**
 * A My Library list of cards: 読み込み中 until the resource has loaded, then the `none` line when it
 * is empty, else one card (the `li` the children draw) per item.
 */
export function CardList<T>(props: {
  items: readonly T[] | undefined;
  none: string;
  children: (item: T) => JSX.Element;
}) {
  return (
    <Show when={props.items} fallback={<p>{ot('opac.loading')}</p>}>
      {(items) => (
        <Show when={items().length > 0} fallback={<p>{props.none}</p>}>
          <ul class="card-list">
            <For each={items()}>{(item) => props.children(item)}</For>
          </ul>
        </Show>
      )}
    </Show>
  );
}

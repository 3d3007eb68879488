import { For, type JSX, Show } from 'solid-js';

/**
 * A staff list as a table (scrolling sideways on a narrow screen), or a notice when there is
 * nothing to list (without `none`, the table stands even when empty). `head` is the header row's
 * cells; `row` renders one `<tr>`; `class` and `caption` are the table's.
 */
export function RowsTable<T>(props: {
  rows: readonly T[];
  none?: string;
  class?: string;
  caption?: string;
  head: JSX.Element;
  row: (item: T) => JSX.Element;
}) {
  return (
    <Show
      when={props.rows.length > 0 || props.none === undefined}
      fallback={<p class="notice">{props.none}</p>}
    >
      <div class="table-wrap">
        <table class={props.class}>
          <Show when={props.caption}>{(caption) => <caption>{caption()}</caption>}</Show>
          <thead>
            <tr>{props.head}</tr>
          </thead>
          <tbody>
            <For each={props.rows}>{(item) => props.row(item)}</For>
          </tbody>
        </table>
      </div>
    </Show>
  );
}

import { For, type JSX } from 'solid-js';
import { t } from '../../i18n/index.ts';
import { CodeSelect } from './code-select.tsx';
import { FieldIssue } from './field-issue.tsx';
import { TextField } from './text-field.tsx';

/** One input of a repeated row: a text box (with suggestions from a datalist), a textarea or a select. */
export type RowColumn = {
  key: string;
  label: string;
  kind?: 'text' | 'textarea' | 'select';
  options?: readonly { code: string; nameJa: string; nameEn: string | null }[];
  attrs?: JSX.InputHTMLAttributes<HTMLInputElement>;
};

/**
 * A repeatable group of fields (著者, 件名, 注記 …): one row of inputs an entry, each with its own label
 * and the core's issue for `path.index.key` beside it; a row is added or removed with buttons, and
 * focus follows (to the new row's first input, or back to the add button).
 */
export function RepeatRows(props: {
  id: string;
  /** the field's path in the core's issues: authors → authors.0.reading */
  path: string;
  legend: string;
  /** the name of row n (from 1) for screen readers: 著者 1 */
  rowLabel: (n: number) => string;
  addLabel: string;
  columns: readonly RowColumn[];
  rows: readonly Record<string, string>[];
  issue: (path: string) => string | undefined;
  onSet: (index: number, key: string, value: string) => void;
  onAdd: () => void;
  onRemove: (index: number) => void;
}) {
  let addButton: HTMLButtonElement | undefined;
  const inputId = (i: number, key: string) => `${props.id}-${i}-${key}`;
  const add = () => {
    props.onAdd();
    const first = props.columns[0]!.key;
    queueMicrotask(() => document.getElementById(inputId(props.rows.length - 1, first))?.focus());
  };
  const remove = (i: number) => {
    props.onRemove(i);
    addButton?.focus();
  };
  return (
    <fieldset class="repeat span-all" id={props.id}>
      <legend>{props.legend}</legend>
      <FieldIssue for={props.id} issue={props.issue(props.path)} />
      <For each={props.rows}>
        {(row, i) => (
          <fieldset class="repeat-row">
            <legend class="visually-hidden">{props.rowLabel(i() + 1)}</legend>
            <For each={props.columns}>
              {(c) => {
                const id = () => inputId(i(), c.key);
                const issue = () => props.issue(`${props.path}.${i()}.${c.key}`);
                const set = (v: string) => props.onSet(i(), c.key, v);
                return c.kind === 'select' ? (
                  <CodeSelect
                    id={id()}
                    name={c.key}
                    label={c.label}
                    options={c.options ?? []}
                    value={row[c.key]}
                    issue={issue()}
                    onChange={set}
                  />
                ) : (
                  <TextField
                    id={id()}
                    label={c.label}
                    issue={issue()}
                    value={row[c.key] ?? ''}
                    onInput={set}
                    multiline={c.kind === 'textarea'}
                    class={c.kind === 'textarea' ? 'field grow' : 'field'}
                    attrs={c.attrs}
                  />
                );
              }}
            </For>
            <button
              type="button"
              class="button-quiet"
              aria-label={t('rows.removeNamed', { row: props.rowLabel(i() + 1) })}
              onClick={() => remove(i())}
            >
              {t('rows.remove')}
            </button>
            <FieldIssue for={`${props.id}-${i()}`} issue={props.issue(`${props.path}.${i()}`)} />
          </fieldset>
        )}
      </For>
      <button type="button" class="button-quiet" ref={addButton} onClick={add}>
        {props.addLabel}
      </button>
    </fieldset>
  );
}

import { For, Show } from 'solid-js';
import { lang } from '../../i18n/index.ts';
import { FieldIssue, issueAria } from './field-issue.tsx';

/** A select of coded choices named in both languages (categories, residency kinds, material types). */
export function CodeSelect(props: {
  id: string;
  name: string;
  label: string;
  options: readonly { code: string; nameJa: string; nameEn: string | null }[];
  value?: string;
  /** the label of an empty first choice ("not set"), when the field may stay empty */
  blank?: string;
  issue?: string | undefined;
  onChange?: (code: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        name={props.name}
        value={props.value}
        onChange={(e) => props.onChange?.(e.currentTarget.value)}
        {...issueAria(props.id, props.issue)}
      >
        <Show when={props.blank !== undefined}>
          <option value="" selected={!props.value}>
            {props.blank}
          </option>
        </Show>
        {/* selected on the option itself: the select's value is set before its options exist */}
        <For each={props.options}>
          {(o) => (
            <option value={o.code} selected={o.code === props.value}>
              {lang() === 'en' && o.nameEn ? o.nameEn : o.nameJa}
            </option>
          )}
        </For>
      </select>
      <FieldIssue for={props.id} issue={props.issue} />
    </div>
  );
}

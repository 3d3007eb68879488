import type { JSX } from 'solid-js';
import { FieldIssue, issueAria } from './field-issue.tsx';

/**
 * A labelled input (or textarea) with the core's issue beside it. Controlled with value and onInput,
 * or not: the form reads it back from FormData by name.
 */
export function TextField(props: {
  id: string;
  name?: string;
  label: string;
  issue: string | undefined;
  value?: string;
  onInput?: (value: string) => void;
  multiline?: boolean;
  class?: string;
  attrs?: JSX.InputHTMLAttributes<HTMLInputElement>;
}) {
  const common = () => ({
    id: props.id,
    name: props.name,
    value: props.value,
    ...issueAria(props.id, props.issue),
  });
  return (
    <div class={props.class ?? 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.multiline ? (
        <textarea rows={3} {...common()} onInput={(e) => props.onInput?.(e.currentTarget.value)} />
      ) : (
        <input
          autocomplete="off"
          {...common()}
          onInput={(e) => props.onInput?.(e.currentTarget.value)}
          {...props.attrs}
        />
      )}
      <FieldIssue for={props.id} issue={props.issue} />
    </div>
  );
}

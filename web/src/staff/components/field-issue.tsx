import { For, Show } from 'solid-js';
import type { ProblemInfo } from '../../api/client.ts';

/** The core's reason for refusing one field, shown beside it: `<id>-issue` is what the control's aria-describedby names. */
export function FieldIssue(props: { for: string; issue: string | undefined }) {
  return (
    <Show when={props.issue}>
      <p class="hint field-issue" id={`${props.for}-issue`}>
        {props.issue}
      </p>
    </Show>
  );
}

/** aria-invalid and aria-describedby for a control whose field the core refused (or a hint id when it did not). */
export function issueAria(id: string, issue: string | undefined, hintId?: string) {
  return {
    'aria-invalid': issue ? ('true' as const) : undefined,
    'aria-describedby': issue ? `${id}-issue` : hintId,
  };
}

/** The issue the core reported for one field path (`rules.0.when.ndc.0`), if any. */
export const issueFor = (problem: ProblemInfo | null | undefined, path: string) =>
  problem?.issues?.find((i) => i.path === path)?.message;

/** The first issue for a field or anything inside it (`rules.0.when.ndc` finds `rules.0.when.ndc.1`). */
export const issueUnder = (problem: ProblemInfo | null | undefined, path: string) =>
  problem?.issues?.find((i) => i.path === path || i.path.startsWith(`${path}.`))?.message;

/** Refusals with no field of their own on the page, each as "path: message". */
export function IssueList(props: { issues: readonly { path: string; message: string }[] }) {
  return (
    <ul class="field-issue">
      <For each={props.issues}>
        {(i) => (
          <li>
            {i.path}: {i.message}
          </li>
        )}
      </For>
    </ul>
  );
}

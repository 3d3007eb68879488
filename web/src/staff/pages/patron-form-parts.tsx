import { A } from '@solidjs/router';
import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { FieldIssue, issueAria } from '../components/field-issue.tsx';
import { TextField } from '../components/text-field.tsx';

/** Pieces shared by 利用者登録 and 登録内容の変更: a labelled input with the core's issue, the guardian lookup, the duplicate warning. */

export type Guardian = { id: string; name: string };
export type DuplicateCandidate = {
  id: string;
  name: string;
  nameReading: string;
  categoryJa: string;
  cardLast4: string | null;
};

/** A form value, trimmed; empty is null. */
export const formText = (form: FormData, name: string) => {
  const v = String(form.get(name) ?? '').trim();
  return v === '' ? null : v;
};

export { issueFor } from '../components/field-issue.tsx';

export function PatronInput(props: {
  prefix: string;
  name: string;
  label: string;
  issue: string | undefined;
  attrs?: JSX.InputHTMLAttributes<HTMLInputElement>;
}) {
  return (
    <TextField
      id={`${props.prefix}-${props.name}`}
      name={props.name}
      label={props.label}
      issue={props.issue}
      attrs={props.attrs}
    />
  );
}

/** 保護者: looked up by card; a found guardian is handed to onFound (null when the card is unknown). */
export function GuardianPicker(props: {
  id: string;
  issue: string | undefined;
  guardian: Guardian | null;
  onFound: (g: Guardian | null) => void;
  onProblem: (p: ProblemInfo | null) => void;
}) {
  const [card, setCard] = createSignal('');
  const find = async () => {
    props.onProblem(null);
    try {
      const g = await call(api.patrons['by-card'][':barcode'].$get({ param: { barcode: card().trim() } }));
      props.onFound({ id: g.id, name: g.name });
    } catch (err) {
      props.onFound(null);
      props.onProblem(asProblem(err));
    }
  };
  return (
    <div class="field">
      <label for={props.id}>{t('patrons.guardianCard')}</label>
      <div class="inline-form">
        <input
          id={props.id}
          inputMode="numeric"
          autocomplete="off"
          value={card()}
          onInput={(e) => setCard(e.currentTarget.value)}
          {...issueAria(props.id, props.issue)}
        />
        <button type="button" class="button-quiet" onClick={() => void find()}>
          {t('patrons.guardianFind')}
        </button>
      </div>
      <Show when={props.guardian}>
        {(g) => <p class="hint">{`${t('patrons.guardian')}: ${g().name}`}</p>}
      </Show>
      <FieldIssue for={props.id} issue={props.issue} />
    </div>
  );
}

/** 重複の警告: the candidates with the same reading, birth date and address, and the button to go on anyway. */
export function DuplicateWarning(props: {
  candidates: DuplicateCandidate[];
  confirmLabel: string;
  onConfirm: () => void;
}) {
  return (
    <div class="alert" role="alert">
      <p class="alert-message">{t('patrons.duplicateTitle')}</p>
      <p>{t('patrons.duplicateHint')}</p>
      <ul>
        <For each={props.candidates}>
          {(c) => (
            <li>
              <A href={`/patrons/${c.id}`}>{c.name}</A> ({c.nameReading}) {c.categoryJa}
              {c.cardLast4 ? ` …${c.cardLast4}` : ''}
            </li>
          )}
        </For>
      </ul>
      <button type="button" class="button-quiet" onClick={() => props.onConfirm()}>
        {props.confirmLabel}
      </button>
    </div>
  );
}

export { CodeSelect } from '../components/code-select.tsx';

import { createSignal, type JSX, Show } from 'solid-js';
import { asProblem, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { can } from '../session.ts';
import { FieldIssue, issueAria } from './field-issue.tsx';
import { ProblemAlert } from './problem-alert.tsx';

/** Pieces the settings sections share: who may change them, the save wrapper, the frame, a labelled field. */

export const canWriteSettings = () => can('settings.write');

/** Run a change; a refusal becomes `problem()` (its issues name the fields), the result otherwise. */
export function createSave() {
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [busy, setBusy] = createSignal(false);
  const run = async <T,>(request: () => Promise<T>): Promise<T | undefined> => {
    setProblem(null);
    setBusy(true);
    try {
      return await request();
    } catch (err) {
      setProblem(asProblem(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { problem, setProblem, busy, run };
}

/** A settings section: its heading (what aria-labelledby names) and the problem of its last request. */
export function SettingsSection(props: {
  id: string;
  title: string;
  problem: ProblemInfo | null | undefined;
  children: JSX.Element;
}) {
  return (
    <section aria-labelledby={`${props.id}-title`} class="settings-section">
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <ProblemAlert problem={props.problem} />
      {props.children}
    </section>
  );
}

export type ControlAttrs = {
  id: string;
  'aria-invalid': 'true' | undefined;
  'aria-describedby': string | undefined;
};

/** A label, the control (given its id and aria attributes), a hint, and the core's reason when it refused the field. */
export function SettingsField(props: {
  id: string;
  label: string;
  issue?: string | undefined;
  hint?: string;
  control: (attrs: ControlAttrs) => JSX.Element;
}) {
  const hintId = () => (props.hint ? `${props.id}-hint` : undefined);
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.control({ id: props.id, ...issueAria(props.id, props.issue, hintId()) })}
      <Show when={props.hint}>
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      </Show>
      <FieldIssue for={props.id} issue={props.issue} />
    </div>
  );
}

/** The heading cell of a settings table's actions column, there only for who may change settings. */
export const ActionsColumnHead = () => (
  <Show when={canWriteSettings()}>
    <th scope="col">
      <span class="visually-hidden">{t('callno.actions')}</span>
    </th>
  </Show>
);

/** ↑ and ↓ for a rule in an ordered list (the first rule that matches wins); `label`s name the rule. */
export function MoveButtons(props: {
  index: number;
  count: number;
  busy?: boolean;
  upLabel: string;
  downLabel: string;
  ids?: { up: string; down: string };
  move: (index: number, by: -1 | 1) => void;
}) {
  return (
    <>
      <button
        type="button"
        class="button-quiet"
        id={props.ids?.up}
        disabled={props.index === 0 || props.busy}
        aria-label={props.upLabel}
        onClick={() => props.move(props.index, -1)}
      >
        ↑
      </button>
      <button
        type="button"
        class="button-quiet"
        id={props.ids?.down}
        disabled={props.index === props.count - 1 || props.busy}
        aria-label={props.downLabel}
        onClick={() => props.move(props.index, 1)}
      >
        ↓
      </button>
    </>
  );
}

/** A rule editor's last row: what `children` add, then save and cancel. */
export function EditorActions(props: {
  saveLabel: string;
  busy: boolean;
  onCancel: () => void;
  children?: JSX.Element;
}) {
  return (
    <div class="span-all inline-form">
      {props.children}
      <button type="submit" class="button-primary" disabled={props.busy}>
        {props.saveLabel}
      </button>
      <button type="button" class="button-quiet" onClick={() => props.onCancel()}>
        {t('callno.cancel')}
      </button>
    </div>
  );
}

/** A form value, trimmed. */
export const formValue = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

export type CodeNames = { code: string; nameJa: string; nameEn: string };

/**
 * The add form of a coded list (利用者区分, 住所区分): the code the rules refer to and the names in
 * Japanese and English; the fields' ids are `${idPrefix}-code`, `-ja` and `-en`.
 */
export function CodeNamesAddForm(props: {
  idPrefix: string;
  codeLabel: string;
  nameJaLabel: string;
  nameEnLabel: string;
  submitLabel: string;
  onAdd: (entry: CodeNames, form: HTMLFormElement) => unknown;
}) {
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    props.onAdd(
      { code: formValue(f, 'code'), nameJa: formValue(f, 'nameJa'), nameEn: formValue(f, 'nameEn') },
      form,
    );
  };
  return (
    <form class="inline-form" onSubmit={onSubmit}>
      <div class="field">
        <label for={`${props.idPrefix}-code`}>{props.codeLabel}</label>
        <input
          id={`${props.idPrefix}-code`}
          name="code"
          required
          pattern="[a-z][a-z0-9\-]{0,31}"
          maxLength={32}
        />
      </div>
      <div class="field">
        <label for={`${props.idPrefix}-ja`}>{props.nameJaLabel}</label>
        <input id={`${props.idPrefix}-ja`} name="nameJa" required maxLength={40} />
      </div>
      <div class="field">
        <label for={`${props.idPrefix}-en`}>{props.nameEnLabel}</label>
        <input id={`${props.idPrefix}-en`} name="nameEn" required maxLength={60} />
      </div>
      <button type="submit" class="button-quiet">
        {props.submitLabel}
      </button>
    </form>
  );
}

import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { lang, type MessageKey, t } from '../../i18n/index.ts';
import { FieldIssue, issueAria } from '../components/field-issue.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';

/** A copy as the record page lists it, with what the edit form needs. */
export type EditableCopy = {
  id: string;
  barcode: string;
  locationId: string;
  shelf: string;
  callNumber: string;
  status: string;
  materialType: string | null;
  acquiredOn: string | null;
  price: number | null;
};
type Named = { id: string; code: string; nameJa: string; nameEn: string | null };

const FIELDS = [
  'barcode',
  'locationId',
  'shelf',
  'callNumber',
  'materialType',
  'acquiredOn',
  'price',
] as const;
type FieldName = (typeof FIELDS)[number];
const LABELS: Record<FieldName, MessageKey> = {
  barcode: 'cat.barcode',
  locationId: 'cat.location',
  shelf: 'cat.shelf',
  callNumber: 'cat.callNumber',
  materialType: 'cat.materialType',
  acquiredOn: 'cat.acquiredOn',
  price: 'cat.price',
};

const formValues = (c: EditableCopy): Record<FieldName, string> => ({
  barcode: c.barcode,
  locationId: c.locationId,
  shelf: c.shelf,
  callNumber: c.callNumber,
  materialType: c.materialType ?? '',
  acquiredOn: c.acquiredOn ?? '',
  price: c.price?.toString() ?? '',
});

/**
 * 所蔵の修正: one copy's fields; only the changed ones are sent, and the core's validation issues are
 * shown beside each field. A blank call number is given again by the library's rules.
 */
export function CopyEdit(props: {
  copy: EditableCopy;
  locations: readonly Named[];
  materialTypes: readonly Named[];
  onSaved: (barcode: string) => void;
  onCancel: () => void;
}) {
  const initial = formValues(props.copy);
  const [values, setValues] = createSignal({ ...initial });
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [busy, setBusy] = createSignal(false);
  const set = (k: FieldName, v: string) => setValues({ ...values(), [k]: v });
  const fieldIssue = (path: string) =>
    problem()
      ?.issues?.filter((i) => i.path === path)
      .map((i) => i.message)
      .join(' ');
  const nameOf = (n: Named) => (lang() === 'en' && n.nameEn ? n.nameEn : n.nameJa);

  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const v = values();
    const changed = FIELDS.filter((k) => v[k].trim() !== initial[k]);
    if (changed.length === 0) return props.onCancel();
    const json: Record<string, string | number | null> = {};
    for (const k of changed) {
      const value = v[k].trim();
      if (k === 'price') json[k] = value ? Number(value) : null;
      else if (k === 'materialType' || k === 'acquiredOn') json[k] = value || null;
      else json[k] = value;
    }
    setProblem(null);
    setBusy(true);
    try {
      const saved = await call(api.items[':id'].$patch({ param: { id: props.copy.id }, json }));
      props.onSaved(saved.barcode);
    } catch (err) {
      setProblem(asProblem(err));
      setBusy(false);
    }
  };

  const field = (name: FieldName, control: (common: Record<string, string | undefined>) => JSX.Element) => {
    const id = `copy-${props.copy.id}-${name}`;
    return (
      <div class="field">
        <label for={id}>{t(LABELS[name])}</label>
        {control({
          id,
          name,
          ...issueAria(id, fieldIssue(name), name === 'callNumber' ? `${id}-hint` : undefined),
        })}
        <Show when={name === 'callNumber'}>
          <p class="hint" id={`${id}-hint`}>
            {t('cat.callNumberBlank')}
          </p>
        </Show>
        <FieldIssue for={id} issue={fieldIssue(name)} />
      </div>
    );
  };
  const text = (name: FieldName, attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {}) =>
    field(name, (common) => (
      <input
        {...common}
        {...attrs}
        autocomplete="off"
        value={values()[name]}
        onInput={(e) => set(name, e.currentTarget.value)}
      />
    ));
  const select = (name: FieldName, options: readonly Named[], key: 'id' | 'code', blank?: MessageKey) =>
    field(name, (common) => (
      <select {...common} value={values()[name]} onChange={(e) => set(name, e.currentTarget.value)}>
        <Show when={blank}>
          {(b) => (
            <option value="" selected={values()[name] === ''}>
              {t(b())}
            </option>
          )}
        </Show>
        {/* selected on the option itself: the select's value is set before its options exist */}
        <For each={options}>
          {(o) => (
            <option value={o[key]} selected={o[key] === values()[name]}>
              {nameOf(o)}
            </option>
          )}
        </For>
      </select>
    ));

  return (
    <form
      class="form-grid"
      aria-label={t('cat.editCopyTitle', { barcode: props.copy.barcode })}
      onSubmit={submit}
    >
      <Show when={problem()}>
        <div class="span-all">
          <ProblemAlert problem={problem()} />
        </div>
      </Show>
      {text('barcode', { required: true, maxLength: 64 })}
      {select('locationId', props.locations, 'id')}
      {text('shelf', { maxLength: 100 })}
      {text('callNumber', { maxLength: 100 })}
      {select('materialType', props.materialTypes, 'code', 'cat.materialTypeNone')}
      {text('acquiredOn', { type: 'date' })}
      {text('price', { type: 'number', min: 0, step: 1, inputmode: 'numeric' })}
      <div class="form-actions">
        <button type="submit" class="button-primary" disabled={busy()}>
          {t('cat.save')}
        </button>
        <button type="button" class="button-quiet" onClick={() => props.onCancel()}>
          {t('cat.cancel')}
        </button>
      </div>
    </form>
  );
}

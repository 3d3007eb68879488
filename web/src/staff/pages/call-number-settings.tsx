import type { InferResponseType } from 'hono/client';
import { createEffect, createSignal, For, type JSX, on, Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { pick, t } from '../../i18n/index.ts';
import { issueFor, issueUnder } from '../components/field-issue.tsx';
import { createLoad } from '../components/load.ts';
import { RowsTable } from '../components/rows-table.tsx';
import {
  ActionsColumnHead,
  canWriteSettings,
  createSave,
  EditorActions,
  formValue,
  MoveButtons,
  SettingsField,
  SettingsSection,
} from '../components/settings-parts.tsx';

const endpoint = api['catalog-settings']['call-numbers'];
type View = InferResponseType<typeof endpoint.$get, 200>;
type Settings = View['settings'];
type Rule = Settings['rules'][number];
type Named = { code: string; nameJa: string; nameEn: string };

const MARKS = ['authorKana', 'titleKana', 'none'] as const;
const codes = (v: string) => v.split(/[\s,、]+/).filter(Boolean);

/** The rule a form describes; what the form has no field for is kept from the rule edited. */
function ruleFrom(f: FormData, base: Rule | null): Rule {
  const when: Rule['when'] = {};
  for (const dim of ['materialType', 'location', 'ndc'] as const) {
    const list = codes(formValue(f, dim));
    if (list.length) when[dim] = list;
  }
  const decimals = formValue(f, 'ndcDecimals');
  const name = formValue(f, 'name');
  return {
    ...(base ?? {}),
    ...(name ? { name } : { name: undefined }),
    when,
    prefix: formValue(f, 'prefix'),
    class: formValue(f, 'class') || 'ndc',
    ndcDecimals: decimals === '' ? null : Number(decimals),
    classWhenMissing: formValue(f, 'classWhenMissing'),
    mark: formValue(f, 'mark') as Rule['mark'],
    markLength: Number(formValue(f, 'markLength') || 1),
    markHiragana: f.get('markHiragana') === 'on',
    markPlainKana: f.get('markPlainKana') === 'on',
    volume: f.get('volume') === 'on',
  };
}

/** How a rule reads in the list: its conditions, and the parts of the call number it makes. */
const conditionsOf = (r: Rule) =>
  [
    r.when.materialType && `${t('settings.materialType')}: ${r.when.materialType.join(', ')}`,
    r.when.location && `${t('settings.location')}: ${r.when.location.join(', ')}`,
    r.when.ndc && `NDC: ${r.when.ndc.join(', ')}`,
  ]
    .filter(Boolean)
    .join(' / ') || t('settings.any');
const shapeOf = (r: Rule) =>
  [
    r.prefix,
    r.class === 'ndc' ? t('callno.classNdc') : r.class,
    r.mark === 'none' ? '' : `${t(`callno.mark.${r.mark}`)}×${r.markLength}`,
    r.volume ? t('callno.volumePart') : '',
  ]
    .filter(Boolean)
    .join(' / ');

/**
 * 請求記号の規則: the rules in order (the first that matches decides), edited one at a time and saved
 * as a whole list; the preview asks the core what the saved rules give.
 */
export function CallNumberSettings() {
  const settings = createLoad(() => call(endpoint.$get()));
  const reference = createLoad(() => call(api.reference.$get()));
  const save = createSave();
  /** the index of the rule being edited; the list's length means a new rule */
  const [editing, setEditing] = createSignal<number | null>(null);
  const [previewRun, setPreviewRun] = createSignal(0);

  const rules = () => settings.data()?.settings.rules ?? [];
  const store = async (next: Settings) => {
    const saved = await save.run(() => call(endpoint.$put({ json: next })));
    if (saved) {
      settings.mutate(saved);
      setEditing(null);
      setPreviewRun((n) => n + 1);
    }
    return saved;
  };
  const withRules = (next: Rule[]) => ({ ...settings.data()!.settings, rules: next });
  const move = (i: number, by: -1 | 1) => {
    const next = [...rules()];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    void store(withRules(next));
  };
  const remove = (i: number) => void store(withRules(rules().filter((_, j) => j !== i)));
  const submitRule =
    (index: number): JSX.EventHandler<HTMLFormElement, SubmitEvent> =>
    (e) => {
      e.preventDefault();
      const rule = ruleFrom(new FormData(e.currentTarget), rules()[index] ?? null);
      const next = [...rules()];
      next[index] = rule;
      void store(withRules(next));
    };
  const reset = async () => {
    const back = await save.run(() => call(endpoint.$delete()));
    if (back) {
      settings.mutate(back);
      setEditing(null);
      setPreviewRun((n) => n + 1);
    }
  };
  const nameOf = (r: Rule, i: number) => r.name ?? t('callno.ruleNumber', { n: i + 1 });

  return (
    <SettingsSection
      id="callno-settings"
      title={t('callno.title')}
      problem={save.problem() ?? settings.problem()}
    >
      <p class="hint">{t('callno.intro')}</p>
      <Show when={settings.data()}>
        {(view) => (
          <>
            <Show when={view().isDefault}>
              <p class="notice">{t('callno.isDefault')}</p>
            </Show>
            <RowsTable
              rows={view().settings.rules.map((rule, index) => ({ rule, index }))}
              none={t('callno.none')}
              head={
                <>
                  <th scope="col" class="num">
                    {t('callno.order')}
                  </th>
                  <th scope="col">{t('callno.ruleName')}</th>
                  <th scope="col">{t('callno.conditions')}</th>
                  <th scope="col">{t('callno.shape')}</th>
                  <ActionsColumnHead />
                </>
              }
              row={({ rule, index }) => (
                <tr>
                  <td class="num">{index + 1}</td>
                  <td>{nameOf(rule, index)}</td>
                  <td>{conditionsOf(rule)}</td>
                  <td>{shapeOf(rule)}</td>
                  <Show when={canWriteSettings()}>
                    <td class="row-actions">
                      <MoveButtons
                        index={index}
                        count={rules().length}
                        busy={save.busy()}
                        upLabel={t('callno.moveUp', { name: nameOf(rule, index) })}
                        downLabel={t('callno.moveDown', { name: nameOf(rule, index) })}
                        move={move}
                      />
                      <button type="button" class="button-quiet" onClick={() => setEditing(index)}>
                        {t('callno.edit', { name: nameOf(rule, index) })}
                      </button>
                      <button
                        type="button"
                        class="button-quiet"
                        disabled={rules().length === 1 || save.busy()}
                        onClick={() => remove(index)}
                      >
                        {t('callno.delete', { name: nameOf(rule, index) })}
                      </button>
                    </td>
                  </Show>
                </tr>
              )}
            />
            <Show when={canWriteSettings()}>
              <p class="inline-form">
                <button type="button" class="button-quiet" onClick={() => setEditing(rules().length)}>
                  {t('callno.add')}
                </button>
                <Show when={!view().isDefault}>
                  <button type="button" class="button-quiet" onClick={() => void reset()}>
                    {t('callno.reset')}
                  </button>
                </Show>
              </p>
              {/* keyed on an object: index 0 (the first rule) is falsy */}
              <Show when={editing() === null ? null : { index: editing()! }} keyed>
                {({ index }) => (
                  <RuleForm
                    index={index}
                    rule={rules()[index] ?? null}
                    issue={(field) => issueUnder(save.problem(), `rules.${index}.${field}`)}
                    types={reference.data()?.materialTypes ?? []}
                    locations={reference.data()?.locations ?? []}
                    busy={save.busy()}
                    onSubmit={submitRule(index)}
                    onCancel={() => setEditing(null)}
                  />
                )}
              </Show>
            </Show>
          </>
        )}
      </Show>
      <CallNumberPreview
        run={previewRun()}
        types={reference.data()?.materialTypes ?? []}
        locations={reference.data()?.locations ?? []}
      />
    </SettingsSection>
  );
}

const codeHint = (list: readonly Named[]) =>
  list.length
    ? `${t('callno.codesHint')}: ${list.map((x) => `${x.code}(${pick(x.nameJa, x.nameEn)})`).join(', ')}`
    : '';

/** One rule's form, for a new rule or one being edited. */
function RuleForm(props: {
  index: number;
  rule: Rule | null;
  issue: (field: string) => string | undefined;
  types: readonly Named[];
  locations: readonly Named[];
  busy: boolean;
  onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent>;
  onCancel: () => void;
}) {
  const r = props.rule;
  const id = (name: string) => `callno-rule-${name}`;
  const text = (
    name: string,
    label: string,
    value: string,
    hint?: string,
    attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <SettingsField
      id={id(name)}
      label={label}
      hint={hint}
      issue={props.issue(['materialType', 'location', 'ndc'].includes(name) ? `when.${name}` : name)}
      control={(a) => <input {...a} name={name} value={value} autocomplete="off" {...attrs} />}
    />
  );
  const check = (name: 'markHiragana' | 'markPlainKana' | 'volume', label: string, checked: boolean) => (
    <div class="field check-field">
      <label>
        <input type="checkbox" name={name} checked={checked} /> {label}
      </label>
    </div>
  );
  return (
    <form class="form-grid" aria-labelledby="callno-rule-title" onSubmit={props.onSubmit}>
      <h3 id="callno-rule-title" class="span-all">
        {r ? t('callno.editTitle', { name: r.name ?? String(props.index + 1) }) : t('callno.add')}
      </h3>
      {text('name', t('callno.ruleName'), r?.name ?? '', undefined, { maxLength: 100 })}
      {text(
        'materialType',
        t('callno.whenType'),
        r?.when.materialType?.join(' ') ?? '',
        codeHint(props.types),
      )}
      {text(
        'location',
        t('callno.whenLocation'),
        r?.when.location?.join(' ') ?? '',
        codeHint(props.locations),
      )}
      {text('ndc', t('callno.whenNdc'), r?.when.ndc?.join(' ') ?? '', t('callno.whenNdcHint'))}
      {text('prefix', t('callno.prefix'), r?.prefix ?? '', t('callno.prefixHint'), { maxLength: 10 })}
      {text('class', t('callno.class'), r?.class ?? 'ndc', t('callno.classHint'), { maxLength: 20 })}
      {text(
        'ndcDecimals',
        t('callno.ndcDecimals'),
        r?.ndcDecimals == null ? '' : String(r.ndcDecimals),
        t('callno.ndcDecimalsHint'),
        {
          type: 'number',
          min: 0,
          max: 6,
        },
      )}
      {text('classWhenMissing', t('callno.classWhenMissing'), r?.classWhenMissing ?? '', undefined, {
        maxLength: 20,
      })}
      <SettingsField
        id={id('mark')}
        label={t('callno.mark')}
        issue={props.issue('mark')}
        control={(a) => (
          <select {...a} name="mark">
            <For each={MARKS}>
              {(m) => (
                <option value={m} selected={(r?.mark ?? 'authorKana') === m}>
                  {t(`callno.mark.${m}`)}
                </option>
              )}
            </For>
          </select>
        )}
      />
      {text('markLength', t('callno.markLength'), String(r?.markLength ?? 1), undefined, {
        type: 'number',
        min: 1,
        max: 4,
      })}
      {check('markHiragana', t('callno.markHiragana'), r?.markHiragana ?? false)}
      {check('markPlainKana', t('callno.markPlainKana'), r?.markPlainKana ?? false)}
      {check('volume', t('callno.volume'), r?.volume ?? true)}
      <EditorActions saveLabel={t('callno.saveRule')} busy={props.busy} onCancel={props.onCancel} />
    </form>
  );
}

/** 試し: made-up values, and the call number the saved rules give them (asked of the core). */
function CallNumberPreview(props: { run: number; types: readonly Named[]; locations: readonly Named[] }) {
  const save = createSave();
  const [values, setValues] = createSignal({
    ndc: '913.6',
    authorReading: 'タカハシ キヨシ',
    materialType: '',
    location: '',
    volume: '上',
  });
  const [result, setResult] = createSignal<{ text: string; rule: string | null } | null>(null);
  let latest = 0;
  const ask = async () => {
    const mine = ++latest;
    const v = values();
    const out = await save.run(() =>
      call(
        endpoint.preview.$post({
          json: {
            ndc: v.ndc.trim(),
            authorReading: v.authorReading,
            volume: v.volume,
            ...(v.materialType ? { materialType: v.materialType } : {}),
            ...(v.location ? { location: v.location } : {}),
          },
        }),
      ),
    );
    if (mine === latest) setResult(out ?? null);
  };
  // asked again whenever the values change or the rules were saved
  createEffect(on([values, () => props.run], () => void ask()));
  const set = (k: keyof ReturnType<typeof values>) => (e: { currentTarget: { value: string } }) =>
    setValues({ ...values(), [k]: e.currentTarget.value });
  const id = (name: string) => `callno-preview-${name}`;
  const select = (name: 'materialType' | 'location', label: string, list: readonly Named[]) => (
    <SettingsField
      id={id(name)}
      label={label}
      control={(a) => (
        <select {...a} onChange={set(name)}>
          <option value="">{t('cat.materialTypeNone')}</option>
          <For each={list}>{(x) => <option value={x.code}>{pick(x.nameJa, x.nameEn)}</option>}</For>
        </select>
      )}
    />
  );
  return (
    <fieldset class="callno-preview">
      <legend>{t('callno.previewTitle')}</legend>
      <div class="inline-form">
        <SettingsField
          id={id('ndc')}
          label={t('callno.previewNdc')}
          issue={issueFor(save.problem(), 'ndc')}
          control={(a) => <input {...a} value={values().ndc} inputMode="decimal" onInput={set('ndc')} />}
        />
        <SettingsField
          id={id('author')}
          label={t('callno.previewAuthor')}
          control={(a) => <input {...a} value={values().authorReading} onInput={set('authorReading')} />}
        />
        {select('materialType', t('settings.materialType'), props.types)}
        {select('location', t('settings.location'), props.locations)}
        <SettingsField
          id={id('volume')}
          label={t('callno.previewVolume')}
          control={(a) => <input {...a} value={values().volume} onInput={set('volume')} />}
        />
      </div>
      <p>
        {t('callno.previewResult')}:{' '}
        <output id="callno-preview-output" class="mono" aria-live="polite">
          {result()?.text || '—'}
        </output>
        <Show when={result()?.rule}>
          {(name) => <span class="hint"> ({t('callno.previewRule', { name: name() })})</span>}
        </Show>
      </p>
    </fieldset>
  );
}

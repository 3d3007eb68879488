import type { InferResponseType } from 'hono/client';
import { createEffect, createSignal, For, Index, type JSX, on, onCleanup, Show } from 'solid-js';
import { api, call, type ProblemInfo } from '../../api/client.ts';
import { type MessageKey, t } from '../../i18n/index.ts';
import { CodeSelect } from '../components/code-select.tsx';
import { IssueList, issueFor } from '../components/field-issue.tsx';
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
import { TextField } from '../components/text-field.tsx';

const mappingsApi = api['catalog-settings']['marc-mappings'];
type MappingsView = InferResponseType<typeof mappingsApi.$get, 200>;
type MappingView = MappingsView['mappings'][number];
type Override = NonNullable<MappingView['override']>;
type Rule = NonNullable<NonNullable<MappingView['effective']>['fields']['title']>[number];
type PreviewResult = InferResponseType<(typeof mappingsApi)[':name']['preview']['$post'], 200>;
type Target = keyof NonNullable<MappingView['effective']>['fields'];

const targetLabel = (target: string) => `${t(`marc.target.${target}` as MessageKey)} (${target})`;

/** A rule as one line: 251 $a (ヨミ $d), 008/35-37 */
const ruleText = (r: Rule) =>
  [
    r.positions
      ? `${r.tag}/${r.positions[0]}-${r.positions[1] - 1}`
      : `${r.tag}${r.subfields ? ` $${r.subfields}` : ''}`,
    r.readingSubfields ? `(${t('marc.reading')} $${r.readingSubfields})` : '',
    r.roleSubfields ? `(${t('marc.role')} $${r.roleSubfields})` : '',
    r.ind1 !== undefined || r.ind2 !== undefined
      ? `ind ${indText(r.ind1) || '_'}${indText(r.ind2) || '_'}`
      : '',
    r.when ? `[$${r.when.subfield} ~ ${r.when.pattern}]` : '',
    r.prefix !== undefined ? `prefix "${r.prefix}"` : '',
    r.label !== undefined ? `label "${r.label}"` : '',
    r.separator !== undefined ? `sep "${r.separator}"` : '',
    r.each ? 'each' : '',
  ]
    .filter(Boolean)
    .join(' ');

const loadMappings = () => createLoad(() => call(mappingsApi.$get()));

/** MARCマッピング and MARCプールの設定, sharing one read of the mappings (the pool's load picks one). */
export function MarcSettings() {
  const list = loadMappings();
  return (
    <>
      <MarcMappingSettings list={list} />
      <MarcPoolSettings mappings={list.data()?.mappings.map((m) => m.name) ?? []} />
    </>
  );
}

/**
 * MARCマッピング: for the chosen mapping, each target field with the rules imports use and where they
 * come from (the shipped default or this library); a field's rules are edited as rows (every
 * property of a rule, in order) or put back to the default; the mapping's own settings above, and
 * 試してみる below maps a pasted record through the rules being edited.
 */
function MarcMappingSettings(props: { list: ReturnType<typeof loadMappings> }) {
  const list = props.list;
  const save = createSave();
  const [name, setName] = createSignal('trc');
  const [editing, setEditing] = createSignal<Target | null>(null);
  /** the rules of the field being edited, as they stand in the form (for the preview) */
  const [draft, setDraft] = createSignal<Rule[] | null>(null);
  const current = () => list.data()?.mappings.find((m) => m.name === name());

  /** store (or drop) the override; `close` ends the editing of a field (the mapping-level form leaves it open) */
  const put = async (override: Override | null, close = true): Promise<boolean> => {
    const view = await save.run(() =>
      call(
        override
          ? mappingsApi[':name'].$put({ param: { name: name() }, json: override })
          : mappingsApi[':name'].$delete({ param: { name: name() } }),
      ),
    );
    if (view) {
      list.mutate(view);
      if (close) setEditing(null);
    }
    return view !== undefined;
  };
  /** the override with this field's rules replaced (or dropped: back to the default's for that field) */
  const withField = (target: Target, rules: Rule[] | null): Override | null => {
    const { [target]: _old, ...fields } = current()?.override?.fields ?? {};
    const next = { ...(current()?.override ?? {}), fields: rules ? { ...fields, [target]: rules } : fields };
    const empty = Object.keys(next.fields).length === 0 && Object.keys(next).length === 1;
    return empty && current()?.default ? null : next;
  };

  return (
    <SettingsSection
      id="marc-mapping-settings"
      title={t('marc.mappingTitle')}
      problem={save.problem() ?? list.problem()}
    >
      <p class="hint">{t('marc.mappingIntro')}</p>
      <Show when={list.data()}>
        {(view) => (
          <>
            <SettingsField
              id="marc-mapping-name"
              label={t('marc.mappingName')}
              control={(a) => (
                <select
                  {...a}
                  onChange={(e) => {
                    setName(e.currentTarget.value);
                    setEditing(null);
                  }}
                >
                  <For each={view().mappings}>
                    {(m) => (
                      <option value={m.name} selected={m.name === name()}>
                        {m.name}
                      </option>
                    )}
                  </For>
                </select>
              )}
            />
            <Show when={current()?.problem}>{(p) => <p class="alert">{p()}</p>}</Show>
            <Show when={current() && name()} keyed>
              {(_name) => (
                <MappingLevelForm
                  mapping={current()!}
                  encodings={view().encodings}
                  problem={save.problem()}
                  busy={save.busy()}
                  onSave={(override) => put(override, false)}
                />
              )}
            </Show>
            <RowsTable
              rows={view().targets as Target[]}
              none=""
              head={
                <>
                  <th scope="col">{t('marc.target')}</th>
                  <th scope="col">{t('marc.rules')}</th>
                  <th scope="col">{t('marc.source')}</th>
                  <ActionsColumnHead />
                </>
              }
              row={(target) => {
                const own = () => current()?.override?.fields?.[target] !== undefined;
                return (
                  <tr>
                    <td>{targetLabel(target)}</td>
                    <td class="mono">
                      {(current()?.effective?.fields[target] ?? []).map(ruleText).join('; ') || '—'}
                    </td>
                    <td>{own() ? t('marc.sourceLibrary') : t('marc.sourceDefault')}</td>
                    <Show when={canWriteSettings()}>
                      <td class="row-actions">
                        <button type="button" class="button-quiet" onClick={() => setEditing(target)}>
                          {t('marc.edit', { field: target })}
                        </button>
                        <Show when={own()}>
                          <button
                            type="button"
                            class="button-quiet"
                            disabled={save.busy()}
                            onClick={() => void put(withField(target, null))}
                          >
                            {t('marc.resetField', { field: target })}
                          </button>
                        </Show>
                      </td>
                    </Show>
                  </tr>
                );
              }}
            />
            <Show when={canWriteSettings() && current()?.override && current()?.default}>
              <button
                type="button"
                class="button-quiet"
                disabled={save.busy()}
                onClick={() => void put(null)}
              >
                {t('marc.resetAll', { name: name() })}
              </button>
            </Show>
            <Show when={editing()} keyed>
              {(target) => (
                <MappingFieldForm
                  target={target}
                  rules={current()?.effective?.fields[target] ?? []}
                  problem={save.problem()}
                  busy={save.busy()}
                  onSave={(rules) => void put(withField(target, rules))}
                  onReorder={() => save.setProblem(null)}
                  onDraft={setDraft}
                  onCancel={() => setEditing(null)}
                />
              )}
            </Show>
            <MappingPreview
              name={name()}
              override={() => {
                const target = editing();
                const rules = draft();
                return target && rules ? (withField(target, rules) ?? { fields: {} }) : undefined;
              }}
            />
          </>
        )}
      </Show>
    </SettingsSection>
  );
}

/** A rule as the form holds it: every property as typed (an indicator's blank as #). */
type Draft = {
  tag: string;
  subfields: string;
  readingSubfields: string;
  ind1: string;
  ind2: string;
  start: string;
  end: string;
  whenSubfield: string;
  whenPattern: string;
  label: string;
  prefix: string;
  separator: string;
  roleSubfields: string;
  each: boolean;
  /** the 詳細 part shown */
  open: boolean;
};
type DraftText = Exclude<keyof Draft, 'each' | 'open'>;

const indText = (v: string | undefined) => (v === ' ' ? '#' : (v ?? ''));
const indValue = (v: string) => (v === '' ? undefined : v === '#' ? ' ' : v);

function draftOf(r: Rule | null): Draft {
  const d: Draft = {
    tag: r?.tag ?? '',
    subfields: r?.subfields ?? '',
    readingSubfields: r?.readingSubfields ?? '',
    ind1: indText(r?.ind1),
    ind2: indText(r?.ind2),
    start: r?.positions ? String(r.positions[0]) : '',
    end: r?.positions ? String(r.positions[1]) : '',
    whenSubfield: r?.when?.subfield ?? '',
    whenPattern: r?.when?.pattern ?? '',
    label: r?.label ?? '',
    prefix: r?.prefix ?? '',
    separator: r?.separator ?? '',
    roleSubfields: r?.roleSubfields ?? '',
    each: r?.each ?? false,
    open: false,
  };
  // a rule using the less common properties shows them at once
  d.open = ADVANCED.some((k) => d[k] !== '') || d.each;
  return d;
}

/** The rule a row describes; an empty box is an absent property (label, prefix, separator keep their spaces). */
function ruleOf(d: Draft): Rule {
  const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());
  const keep = (v: string) => (v === '' ? undefined : v);
  // a position left empty beside a given one goes as null: the core names the box
  const int = (v: string) => (v.trim() === '' ? (null as unknown as number) : Number(v));
  return {
    tag: d.tag.trim(),
    subfields: opt(d.subfields),
    readingSubfields: opt(d.readingSubfields),
    ind1: indValue(d.ind1),
    ind2: indValue(d.ind2),
    positions: d.start.trim() || d.end.trim() ? [int(d.start), int(d.end)] : undefined,
    when:
      d.whenSubfield.trim() || d.whenPattern
        ? { subfield: d.whenSubfield.trim(), pattern: d.whenPattern }
        : undefined,
    label: keep(d.label),
    prefix: keep(d.prefix),
    separator: keep(d.separator),
    roleSubfields: opt(d.roleSubfields),
    each: d.each || undefined,
  };
}

/** The properties behind 詳細, and where the core reports each (relative to the rule). */
const ADVANCED = [
  'ind1',
  'ind2',
  'start',
  'end',
  'whenSubfield',
  'whenPattern',
  'label',
  'prefix',
  'separator',
  'roleSubfields',
] as const;
const ISSUE_PATH: Record<DraftText, string[]> = {
  tag: ['tag'],
  subfields: ['subfields'],
  readingSubfields: ['readingSubfields'],
  ind1: ['ind1'],
  ind2: ['ind2'],
  start: ['positions.0'],
  end: ['positions.1', 'positions'],
  whenSubfield: ['when.subfield', 'when'],
  whenPattern: ['when.pattern'],
  label: ['label'],
  prefix: ['prefix'],
  separator: ['separator'],
  roleSubfields: ['roleSubfields'],
};
const PLACED = new Set([...Object.values(ISSUE_PATH).flat(), 'each']);

/** Targets that keep the values of every rule; the others take the first value found. */
const MULTI: readonly string[] = [
  'parallelTitles',
  'alternativeTitles',
  'contentsTitles',
  'authors',
  'subjects',
  'notes',
  'otherIds',
];

/**
 * One target field's rules, in order: tag, subfields and reading subfields in view, the other
 * properties of a rule behind its 詳細 button; rules are added, removed and moved up or down.
 */
function MappingFieldForm(props: {
  target: string;
  rules: Rule[];
  problem: ProblemInfo | null;
  busy: boolean;
  onSave: (rules: Rule[]) => void;
  /** rules were moved, added or removed: the core's issues (by rule number) no longer apply */
  onReorder: () => void;
  /** the rules as they stand, whenever they change; null when the form closes */
  onDraft: (rules: Rule[] | null) => void;
  onCancel: () => void;
}) {
  const [rows, setRows] = createSignal<Draft[]>((props.rules.length ? props.rules : [null]).map(draftOf));
  createEffect(() => props.onDraft(rows().map(ruleOf)));
  onCleanup(() => props.onDraft(null));
  const base = `fields.${props.target}`;
  const issue = (i: number, key: DraftText) =>
    ISSUE_PATH[key].map((p) => issueFor(props.problem, `${base}.${i}.${p}`)).find(Boolean);
  /** what the core refused that no box shows (too many rules, a rule as a whole) */
  const unplaced = () =>
    (props.problem?.issues ?? []).filter((x) => {
      if (x.path === 'fields' || x.path === base) return true;
      const m = new RegExp(`^${base}\\.\\d+\\.(.+)$`).exec(x.path);
      return m ? !PLACED.has(m[1]!) : false;
    });
  // a refused property behind 詳細 is shown, not left hidden
  createEffect(
    on(
      () => props.problem,
      () =>
        setRows((list) =>
          list.map((d, i) => (!d.open && ADVANCED.some((k) => issue(i, k)) ? { ...d, open: true } : d)),
        ),
    ),
  );
  const set = (i: number, patch: Partial<Draft>) =>
    setRows(rows().map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const focus = (id: string) => queueMicrotask(() => document.getElementById(id)?.focus());
  const move = (i: number, by: -1 | 1) => {
    const next = [...rows()];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    setRows(next);
    props.onReorder();
    // focus follows the moved rule (to its other arrow when it reached an end)
    const j = i + by;
    focus(
      j === 0
        ? `marc-rule-${j}-down`
        : j === next.length - 1
          ? `marc-rule-${j}-up`
          : `marc-rule-${j}-${by < 0 ? 'up' : 'down'}`,
    );
  };
  const remove = (i: number) => {
    setRows(rows().filter((_, j) => j !== i));
    props.onReorder();
    focus('marc-rule-add');
  };
  const add = () => {
    setRows([...rows(), draftOf(null)]);
    focus(`marc-rule-${rows().length - 1}-tag`);
  };
  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    props.onSave(rows().map(ruleOf));
  };

  return (
    <form class="form-grid" aria-labelledby="marc-field-title" onSubmit={submit}>
      <h3 id="marc-field-title" class="span-all">
        {t('marc.editTitle', { field: targetLabel(props.target) })}
      </h3>
      <p class="hint span-all">
        {t(MULTI.includes(props.target) ? 'marc.orderHintMulti' : 'marc.orderHint')}
      </p>
      <Index each={rows()}>
        {(row, i) => {
          const id = (key: string) => `marc-rule-${i}-${key}`;
          const n = i + 1;
          const text = (
            key: DraftText,
            label: MessageKey,
            attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {},
          ) => (
            <TextField
              id={id(key)}
              label={`${t(label)} (${n})`}
              issue={issue(i, key)}
              value={row()[key]}
              onInput={(v) => set(i, { [key]: v })}
              attrs={{ maxLength: 40, ...attrs }}
            />
          );
          const hint = (key: MessageKey) => <p class="hint span-all">{t(key)}</p>;
          return (
            <fieldset class="repeat-row span-all marc-rule">
              <legend>{t('marc.rule', { n })}</legend>
              {text('tag', 'marc.tag', { maxLength: 3, inputMode: 'numeric' })}
              {text('subfields', 'marc.subfields', { maxLength: 20 })}
              {text('readingSubfields', 'marc.readingSubfields', { maxLength: 20 })}
              <div class="row-actions marc-rule-actions">
                <button
                  type="button"
                  class="button-quiet"
                  id={id('details')}
                  aria-expanded={row().open}
                  aria-controls={id('more')}
                  onClick={() => set(i, { open: !row().open })}
                >
                  {t('marc.detailsOf', { n })}
                </button>
                <MoveButtons
                  index={i}
                  count={rows().length}
                  upLabel={t('marc.moveUp', { n })}
                  downLabel={t('marc.moveDown', { n })}
                  ids={{ up: id('up'), down: id('down') }}
                  move={move}
                />
                <button type="button" class="button-quiet" onClick={() => remove(i)}>
                  {t('marc.removeRule', { n })}
                </button>
              </div>
              <div class="marc-rule-more" id={id('more')} hidden={!row().open}>
                {text('ind1', 'marc.ind1', { maxLength: 1 })}
                {text('ind2', 'marc.ind2', { maxLength: 1 })}
                {hint('marc.indHint')}
                {text('start', 'marc.positionStart', { type: 'number', min: 0, max: 99999 })}
                {text('end', 'marc.positionEnd', { type: 'number', min: 1, max: 99999 })}
                {hint('marc.positionsHint')}
                {text('whenSubfield', 'marc.whenSubfield', { maxLength: 1 })}
                {text('whenPattern', 'marc.whenPattern', { maxLength: 200, class: 'mono' })}
                {hint('marc.whenHint')}
                {text('label', 'marc.label')}
                {text('prefix', 'marc.prefix')}
                {text('separator', 'marc.separator')}
                {text('roleSubfields', 'marc.roleSubfields', { maxLength: 20 })}
                <p class="hint span-all">
                  {t('marc.labelHint')} {t('marc.prefixHint')} {t('marc.separatorHint')}
                </p>
                <div class="field check-field">
                  <label>
                    <input
                      type="checkbox"
                      id={id('each')}
                      checked={row().each}
                      onChange={(e) => set(i, { each: e.currentTarget.checked })}
                    />{' '}
                    {t('marc.each')} ({n})
                  </label>
                </div>
              </div>
            </fieldset>
          );
        }}
      </Index>
      <Show when={unplaced().length}>
        <div class="span-all">
          <IssueList issues={unplaced()} />
        </div>
      </Show>
      <EditorActions saveLabel={t('marc.saveField')} busy={props.busy} onCancel={props.onCancel}>
        <button type="button" class="button-quiet" id="marc-rule-add" onClick={add}>
          {t('marc.addRule')}
        </button>
      </EditorActions>
    </form>
  );
}

/** The encodings to choose from, named: how MARC 21 and UNIMARC say it, else the encoding's own name. */
const encodingOptions = (codes: readonly string[], current: string) =>
  [...codes, ...(current && !codes.includes(current) ? [current] : [])].map((code) =>
    code === 'leader' || code === 'unimarc'
      ? { code, nameJa: t(`marc.encoding.${code}`), nameEn: null }
      : { code, nameJa: code, nameEn: null },
  );

/**
 * The mapping as a whole: whose record numbers its 001 holds, the 880 script of readings, the
 * encoding. A value equal to the default's is not kept in the override; an emptied one the default
 * has becomes null (no readings from 880, the encoding detected).
 */
function MappingLevelForm(props: {
  mapping: MappingView;
  encodings: readonly string[];
  problem: ProblemInfo | null;
  busy: boolean;
  onSave: (override: Override | null) => Promise<boolean>;
}) {
  const [saved, setSaved] = createSignal(false);
  const effective = () => props.mapping.effective;
  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const def = props.mapping.default;
    const {
      sourceOrg: _s,
      readingScript: _r,
      encoding: _e,
      ...rest
    } = props.mapping.override ?? { fields: {} };
    const next: Override = { ...rest, fields: rest.fields ?? {} };
    const sourceOrg = formValue(f, 'sourceOrg');
    if (sourceOrg && sourceOrg !== (def?.sourceOrg ?? 'local')) next.sourceOrg = sourceOrg;
    for (const key of ['readingScript', 'encoding'] as const) {
      const value = formValue(f, key);
      if (value !== (def?.[key] ?? '')) next[key] = value === '' ? null : value;
    }
    const empty = Object.keys(next).length === 1 && Object.keys(next.fields).length === 0;
    setSaved(false);
    setSaved(
      empty && def ? props.mapping.override === null || (await props.onSave(null)) : await props.onSave(next),
    );
  };
  const issue = (k: string) => issueFor(props.problem, k);
  return (
    <form class="form-grid" aria-labelledby="marc-level-title" onSubmit={submit}>
      <h3 id="marc-level-title" class="span-all">
        {t('marc.levelTitle', { name: props.mapping.name })}
      </h3>
      <fieldset class="span-all inline-form" disabled={!canWriteSettings()}>
        <SettingsField
          id="marc-level-sourceOrg"
          label={t('marc.sourceOrg')}
          hint={t('marc.sourceOrgHint')}
          issue={issue('sourceOrg')}
          control={(a) => (
            <input
              {...a}
              name="sourceOrg"
              value={effective()?.sourceOrg ?? ''}
              maxLength={40}
              autocomplete="off"
            />
          )}
        />
        <SettingsField
          id="marc-level-readingScript"
          label={t('marc.readingScript')}
          hint={t('marc.readingScriptHint')}
          issue={issue('readingScript')}
          control={(a) => (
            <input
              {...a}
              name="readingScript"
              value={effective()?.readingScript ?? ''}
              maxLength={10}
              autocomplete="off"
            />
          )}
        />
        <CodeSelect
          id="marc-level-encoding"
          name="encoding"
          label={t('marc.encoding')}
          blank={t('marc.encodingAuto')}
          options={encodingOptions(props.encodings, effective()?.encoding ?? '')}
          value={effective()?.encoding ?? ''}
          issue={issue('encoding')}
        />
      </fieldset>
      <Show when={canWriteSettings()}>
        <div class="span-all inline-form">
          <button type="submit" class="button-primary" disabled={props.busy}>
            {t('marc.saveLevel')}
          </button>
          <Show when={saved()}>
            <span role="status">{t('marc.saved')}</span>
          </Show>
        </div>
      </Show>
    </form>
  );
}

/** A mapped value as text: lists joined, an author with reading and role, ids as org: number. */
function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(valueText).filter(Boolean).join('; ');
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => (['name', 'title', 'term'].includes(k) ? valueText(x) : `${k}: ${valueText(x)}`))
      .join(', ');
  return String(v);
}

/**
 * 試してみる: one pasted record mapped by the core through the mapping as edited (the open field's
 * rules, not yet saved) or as saved; the bibliographic fields it gives, or why it would be rejected.
 */
function MappingPreview(props: { name: string; override: () => Override | undefined }) {
  const run = createSave();
  const [record, setRecord] = createSignal('');
  const [result, setResult] = createSignal<PreviewResult | null>(null);
  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const override = props.override();
    const out = await run.run(() =>
      call(
        mappingsApi[':name'].preview.$post({
          param: { name: props.name },
          json: { record: record(), ...(override ? { override } : {}) },
        }),
      ),
    );
    setResult(out ?? null);
  };
  const elsewhere = () => (run.problem()?.issues ?? []).filter((i) => i.path !== 'record');
  const rows = () =>
    Object.entries(result()?.bib ?? {})
      .map(([k, v]) => ({ k, text: valueText(v) }))
      .filter((r) => r.text !== '');
  return (
    <form class="marc-preview span-all" aria-labelledby="marc-preview-title" onSubmit={submit}>
      <h3 id="marc-preview-title">{t('marc.previewTitle')}</h3>
      <p class="hint">{t('marc.previewIntro')}</p>
      <TextField
        id="marc-preview-record"
        label={t('marc.previewRecord')}
        multiline
        class="field grow"
        value={record()}
        onInput={setRecord}
        issue={issueFor(run.problem(), 'record')}
      />
      <Show when={elsewhere().length}>
        <IssueList issues={elsewhere()} />
      </Show>
      <button type="submit" class="button-quiet" disabled={run.busy() || !record().trim()}>
        {t('marc.previewRun')}
      </button>
      <div aria-live="polite">
        <Show when={result()}>
          {(r) => (
            <>
              <Show when={r().rejected}>
                {(reason) => <p class="alert">{t('marc.previewRejected', { reason: reason() })}</p>}
              </Show>
              <Show when={r().warnings.length}>
                <p>{t('marc.previewWarnings')}:</p>
                <ul>
                  <For each={r().warnings}>{(w) => <li>{w}</li>}</For>
                </ul>
              </Show>
              <Show when={rows().length}>
                <RowsTable
                  rows={rows()}
                  none=""
                  head={
                    <>
                      <th scope="col">{t('marc.previewField')}</th>
                      <th scope="col">{t('marc.previewValue')}</th>
                    </>
                  }
                  row={(x) => (
                    <tr>
                      <th scope="row" class="mono">
                        {x.k}
                      </th>
                      <td>{x.text}</td>
                    </tr>
                  )}
                />
              </Show>
            </>
          )}
        </Show>
      </div>
    </form>
  );
}

const poolApi = api['catalog-settings']['marc-pool'];

/** MARCプールの設定: the delivery's barcode field, the mapping a load uses, how long unadopted records are kept. */
function MarcPoolSettings(props: { mappings: readonly string[] }) {
  const settings = createLoad(() => call(poolApi.$get()));
  const save = createSave();
  const [saved, setSaved] = createSignal(false);
  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const days = formValue(f, 'retentionDays');
    setSaved(false);
    const out = await save.run(() =>
      call(
        poolApi.$put({
          json: {
            barcodeField: formValue(f, 'barcodeField'),
            mapping: formValue(f, 'mapping'),
            retentionDays: days === '' ? null : Number(days),
          },
        }),
      ),
    );
    if (out) {
      settings.mutate(out);
      setSaved(true);
    }
  };
  const issue = (k: string) => issueFor(save.problem(), k);
  return (
    <SettingsSection
      id="marc-pool-settings"
      title={t('pool.title')}
      problem={save.problem() ?? settings.problem()}
    >
      <Show when={settings.data()}>
        {(s) => (
          <form class="form-grid" aria-label={t('pool.title')} onSubmit={submit}>
            <fieldset class="span-all" disabled={!canWriteSettings()}>
              <SettingsField
                id="pool-barcode-field"
                label={t('pool.barcodeField')}
                hint={t('pool.barcodeFieldHint')}
                issue={issue('barcodeField')}
                control={(a) => <input {...a} name="barcodeField" value={s().barcodeField} maxLength={5} />}
              />
              <SettingsField
                id="pool-mapping"
                label={t('pool.mapping')}
                issue={issue('mapping')}
                control={(a) => (
                  <select {...a} name="mapping">
                    <For each={props.mappings.length ? props.mappings : [s().mapping]}>
                      {(m) => (
                        <option value={m} selected={m === s().mapping}>
                          {m}
                        </option>
                      )}
                    </For>
                  </select>
                )}
              />
              <SettingsField
                id="pool-retention"
                label={t('pool.retentionDays')}
                hint={t('pool.retentionHint')}
                issue={issue('retentionDays')}
                control={(a) => (
                  <input
                    {...a}
                    name="retentionDays"
                    type="number"
                    min={1}
                    max={3650}
                    value={s().retentionDays ?? ''}
                  />
                )}
              />
            </fieldset>
            <Show when={canWriteSettings()}>
              <div class="span-all inline-form">
                <button type="submit" class="button-primary" disabled={save.busy()}>
                  {t('pool.save')}
                </button>
                <Show when={saved()}>
                  <span role="status">{t('pool.saved')}</span>
                </Show>
              </div>
            </Show>
          </form>
        )}
      </Show>
    </SettingsSection>
  );
}

import type { InferResponseType } from 'hono/client';
import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { type MessageKey, t } from '../../i18n/index.ts';
import { issueFor, issueUnder } from '../components/field-issue.tsx';
import { createLoad } from '../components/load.ts';
import { RowsTable } from '../components/rows-table.tsx';
import {
  canWriteSettings,
  createSave,
  formValue,
  SettingsField,
  SettingsSection,
} from '../components/settings-parts.tsx';

const mappingsApi = api['catalog-settings']['marc-mappings'];
type MappingsView = InferResponseType<typeof mappingsApi.$get, 200>;
type MappingView = MappingsView['mappings'][number];
type Override = NonNullable<MappingView['override']>;
type Rule = NonNullable<NonNullable<MappingView['effective']>['fields']['title']>[number];
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
    r.when ? `[$${r.when.subfield} ~ ${r.when.pattern}]` : '',
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
 * come from (the shipped default or this library); a field's rules are edited as rows of tag and
 * subfields, or put back to the default.
 */
function MarcMappingSettings(props: { list: ReturnType<typeof loadMappings> }) {
  const list = props.list;
  const save = createSave();
  const [name, setName] = createSignal('trc');
  const [editing, setEditing] = createSignal<Target | null>(null);
  const current = () => list.data()?.mappings.find((m) => m.name === name());

  const put = async (override: Override | null) => {
    const view = await save.run(() =>
      call(
        override
          ? mappingsApi[':name'].$put({ param: { name: name() }, json: override })
          : mappingsApi[':name'].$delete({ param: { name: name() } }),
      ),
    );
    if (view) {
      list.mutate(view);
      setEditing(null);
    }
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
            <RowsTable
              rows={view().targets as Target[]}
              none=""
              head={
                <>
                  <th scope="col">{t('marc.target')}</th>
                  <th scope="col">{t('marc.rules')}</th>
                  <th scope="col">{t('marc.source')}</th>
                  <Show when={canWriteSettings()}>
                    <th scope="col">
                      <span class="visually-hidden">{t('callno.actions')}</span>
                    </th>
                  </Show>
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
                  issue={(path) => issueUnder(save.problem(), `fields.${target}.${path}`)}
                  busy={save.busy()}
                  onSave={(rules) => void put(withField(target, rules))}
                  onCancel={() => setEditing(null)}
                />
              )}
            </Show>
          </>
        )}
      </Show>
    </SettingsSection>
  );
}

/** One target field's rules as rows of tag / subfields / reading subfields; other attributes of a rule stay as they were. */
function MappingFieldForm(props: {
  target: string;
  rules: Rule[];
  issue: (path: string) => string | undefined;
  busy: boolean;
  onSave: (rules: Rule[]) => void;
  onCancel: () => void;
}) {
  const [rows, setRows] = createSignal<Rule[]>(props.rules.length ? [...props.rules] : [{ tag: '' }]);
  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const optional = (k: string) => formValue(f, k) || undefined;
    props.onSave(
      rows().map((r, i) => ({
        ...r,
        tag: formValue(f, `tag-${i}`),
        subfields: optional(`subfields-${i}`),
        readingSubfields: optional(`readingSubfields-${i}`),
      })),
    );
  };
  const input = (
    i: number,
    key: 'tag' | 'subfields' | 'readingSubfields',
    value: string | undefined,
    label: MessageKey,
  ) => (
    <SettingsField
      id={`marc-rule-${i}-${key}`}
      label={`${t(label)} (${i + 1})`}
      issue={props.issue(`${i}.${key}`)}
      control={(a) => (
        <input
          {...a}
          name={`${key}-${i}`}
          value={value ?? ''}
          autocomplete="off"
          maxLength={key === 'tag' ? 3 : 20}
        />
      )}
    />
  );
  return (
    <form class="form-grid" aria-labelledby="marc-field-title" onSubmit={submit}>
      <h3 id="marc-field-title" class="span-all">
        {t('marc.editTitle', { field: targetLabel(props.target) })}
      </h3>
      <For each={rows()}>
        {(r, i) => (
          <div class="span-all inline-form">
            {input(i(), 'tag', r.tag, 'marc.tag')}
            {input(i(), 'subfields', r.subfields, 'marc.subfields')}
            {input(i(), 'readingSubfields', r.readingSubfields, 'marc.readingSubfields')}
            <button
              type="button"
              class="button-quiet"
              onClick={() => setRows(rows().filter((_, j) => j !== i()))}
            >
              {t('marc.removeRule', { n: i() + 1 })}
            </button>
          </div>
        )}
      </For>
      <div class="span-all inline-form">
        <button type="button" class="button-quiet" onClick={() => setRows([...rows(), { tag: '' }])}>
          {t('marc.addRule')}
        </button>
        <button type="submit" class="button-primary" disabled={props.busy}>
          {t('marc.saveField')}
        </button>
        <button type="button" class="button-quiet" onClick={() => props.onCancel()}>
          {t('callno.cancel')}
        </button>
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

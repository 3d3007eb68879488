import { A } from '@solidjs/router';
import { createSignal, For, type JSX, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { type MessageKey, t } from '../../i18n/index.ts';
import { CodeSelect } from '../components/code-select.tsx';
import { IssueList } from '../components/field-issue.tsx';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RepeatRows, type RowColumn } from '../components/repeat-rows.tsx';
import { TextField } from '../components/text-field.tsx';

/** A record as GET /bibs/:id gives it. */
export type BibRecord = Awaited<ReturnType<typeof fetchBib>>;
export const fetchBib = (id: string) => call(api.bibs[':id'].$get({ param: { id } }));
/** What POST /bibs takes; PATCH takes any part of it. */
export type BibPayload = Parameters<typeof api.bibs.$post>[0]['json'];

/** The single-value fields, in the form's order (materialType and summary are laid out apart). */
const TEXT_FIELDS = [
  'title',
  'titleReading',
  'responsibility',
  'edition',
  'publisher',
  'pubPlace',
  'pubDate',
  'pubYear',
  'extent',
  'isbn',
  'ndc',
  'seriesTitle',
  'volume',
  'language',
  'trcNumber',
  'jpNumber',
] as const;
type Single = (typeof TEXT_FIELDS)[number] | 'materialType' | 'summary';
/** fields the core takes as null when empty */
const NULLABLE = new Set<Single>([
  'isbn',
  'ndc',
  'materialType',
  'seriesTitle',
  'volume',
  'trcNumber',
  'jpNumber',
]);
const LABELS: Record<Single, MessageKey> = {
  title: 'cat.title',
  titleReading: 'cat.titleReading',
  responsibility: 'cat.responsibility',
  edition: 'cat.edition',
  publisher: 'cat.publisher',
  pubPlace: 'cat.pubPlace',
  pubDate: 'cat.pubDate',
  pubYear: 'cat.pubYear',
  extent: 'cat.extent',
  isbn: 'cat.isbn',
  ndc: 'cat.ndc',
  materialType: 'cat.materialType',
  seriesTitle: 'cat.seriesTitle',
  volume: 'cat.volume',
  language: 'cat.language',
  trcNumber: 'cat.trcNumber',
  jpNumber: 'cat.jpNumber',
  summary: 'cat.summary',
};

type Row = Record<string, string>;
/** every field the form shows an issue beside */
const FIELD_ROOTS = [
  ...TEXT_FIELDS,
  'materialType',
  'summary',
  'otherTitles',
  'authors',
  'subjects',
  'notes',
] as const;
type ListName = 'otherTitles' | 'authors' | 'subjects' | 'notes';
type FormState = { one: Record<Single, string>; lists: Record<ListName, Row[]> };

/** The repeated groups: the row's inputs, what a new row holds, and their labels. */
const LISTS: Record<
  ListName,
  { blank: Row; legend: MessageKey; row: MessageKey; add: MessageKey; columns: () => RowColumn[] }
> = {
  otherTitles: {
    blank: { kind: 'alternative', title: '', reading: '' },
    legend: 'cat.otherTitles',
    row: 'cat.otherTitle.row',
    add: 'cat.otherTitle.add',
    columns: () => [
      {
        key: 'kind',
        label: t('cat.otherTitle.kind'),
        kind: 'select',
        options: (['parallel', 'alternative', 'contents'] as const).map((k) => ({
          code: k,
          nameJa: t(`cat.otherTitle.${k}`),
          nameEn: null,
        })),
      },
      { key: 'title', label: t('cat.otherTitle.title') },
      { key: 'reading', label: t('cat.reading') },
    ],
  },
  authors: {
    blank: { name: '', reading: '', role: '' },
    legend: 'cat.authors',
    row: 'cat.author.row',
    add: 'cat.author.add',
    columns: () => [
      { key: 'name', label: t('cat.author.name') },
      { key: 'reading', label: t('cat.reading') },
      { key: 'role', label: t('cat.author.role'), attrs: { list: 'bib-roles', maxLength: 20 } },
    ],
  },
  subjects: {
    blank: { term: '', reading: '', scheme: '' },
    legend: 'cat.subjects',
    row: 'cat.subject.row',
    add: 'cat.subject.add',
    columns: () => [
      { key: 'term', label: t('cat.subject.term') },
      { key: 'reading', label: t('cat.reading') },
      { key: 'scheme', label: t('cat.subject.scheme'), attrs: { list: 'bib-schemes', maxLength: 20 } },
    ],
  },
  notes: {
    blank: { text: '' },
    legend: 'cat.notes',
    row: 'cat.note.row',
    add: 'cat.note.add',
    columns: () => [{ key: 'text', label: t('cat.note.text'), kind: 'textarea' }],
  },
};
const ROLES = ['著', '編', '訳', '作', '文', '絵', '写真', '監修'];
const SCHEMES = ['ndlsh', 'bsh', 'lcsh'];

const rowsOf = <T extends object>(list: T[]): Row[] =>
  list.map((entry) => Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, String(v ?? '')])));

/** The form's values for a record, or for a new one (Japanese, nothing else filled). */
function stateOf(b: BibRecord | null): FormState {
  const one = Object.fromEntries(
    [...TEXT_FIELDS, 'materialType', 'summary'].map((k) => {
      const v = b?.[k as Single];
      return [k, v === null || v === undefined ? '' : String(v)];
    }),
  ) as Record<Single, string>;
  if (!b) one.language = 'jpn';
  return {
    one,
    lists: {
      otherTitles: rowsOf(b?.otherTitles ?? []),
      authors: rowsOf(b?.authors ?? []),
      subjects: rowsOf(b?.subjects ?? []),
      notes: (b?.notes ?? []).map((text) => ({ text })),
    },
  };
}

/** Row values trimmed; empty optional parts left out; rows with nothing typed dropped. */
function entries(rows: Row[], required: string, optional: string[], keep: string[] = []) {
  return rows
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.trim()])))
    .filter((r) => [required, ...optional].some((k) => r[k]))
    .map((r) => ({
      ...Object.fromEntries(keep.map((k) => [k, r[k]])),
      [required]: r[required] ?? '',
      ...Object.fromEntries(optional.filter((k) => r[k]).map((k) => [k, r[k]])),
    }));
}

/** What the form says, as the core takes it. */
function payloadOf(s: FormState): BibPayload {
  const one: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(s.one) as [Single, string][]) {
    const v = raw.trim();
    one[k] = NULLABLE.has(k) && v === '' ? null : v;
  }
  const year = s.one.pubYear.normalize('NFKC').trim();
  // not digits: sent as typed, so the core's message for the field is shown beside it
  one.pubYear = year === '' ? null : /^\d+$/.test(year) ? Number(year) : year;
  return {
    ...(one as Omit<BibPayload, 'otherTitles' | 'authors' | 'subjects' | 'notes'>),
    otherTitles: entries(s.lists.otherTitles, 'title', ['reading'], ['kind']) as BibPayload['otherTitles'],
    authors: entries(s.lists.authors, 'name', ['reading', 'role']) as BibPayload['authors'],
    subjects: entries(s.lists.subjects, 'term', ['reading', 'scheme']) as BibPayload['subjects'],
    notes: s.lists.notes.map((r) => (r.text ?? '').trim()).filter(Boolean),
  };
}

/**
 * 書誌の入力: every field of the record, the repeated ones (別書名, 著者, 件名, 注記) as rows added and
 * removed with buttons; the core's validation issues are shown beside each field. onSave receives
 * the payload and the fields that differ from what the form started with.
 */
export function BibForm(props: {
  bib: BibRecord | null;
  label: string;
  submitLabel: string;
  cancelHref: string;
  onSave: (payload: BibPayload, changed: (keyof BibPayload)[]) => Promise<void>;
}) {
  const reference = createLoad(() => call(api.reference.$get()));
  const initial = payloadOf(stateOf(props.bib));
  const [state, setState] = createStore(stateOf(props.bib));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [busy, setBusy] = createSignal(false);
  const issue = (path: string) =>
    problem()
      ?.issues?.filter((i) => i.path === path)
      .map((i) => i.message)
      .join(' ') || undefined;

  const unplaced = () =>
    problem()?.issues?.filter((i) => !(FIELD_ROOTS as readonly string[]).includes(i.path.split('.')[0]!)) ??
    [];

  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const payload = payloadOf(state);
    const changed = (Object.keys(payload) as (keyof BibPayload)[]).filter(
      (k) => JSON.stringify(payload[k]) !== JSON.stringify(initial[k]),
    );
    setProblem(null);
    setBusy(true);
    try {
      await props.onSave(payload, changed);
    } catch (err) {
      setProblem(asProblem(err));
      setBusy(false);
    }
  };

  const text = (
    name: (typeof TEXT_FIELDS)[number],
    attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <TextField
      id={`bib-${name}`}
      name={name}
      label={t(LABELS[name])}
      issue={issue(name)}
      value={state.one[name]}
      onInput={(v) => setState('one', name, v)}
      attrs={attrs}
    />
  );
  const list = (name: ListName) => {
    const spec = LISTS[name];
    return (
      <RepeatRows
        id={`bib-${name}`}
        path={name}
        legend={t(spec.legend)}
        rowLabel={(n) => t(spec.row, { n })}
        addLabel={t(spec.add)}
        columns={spec.columns()}
        rows={state.lists[name]}
        issue={issue}
        onSet={(i, key, v) => setState('lists', name, i, key, v)}
        onAdd={() => setState('lists', name, (rows) => [...rows, { ...spec.blank }])}
        onRemove={(i) => setState('lists', name, (rows) => rows.filter((_, j) => j !== i))}
      />
    );
  };

  return (
    <form class="card form-grid" onSubmit={submit} aria-label={props.label}>
      <div class="span-all">
        <ProblemAlert problem={problem()} />
        {/* a refusal of something the form has no field for (source ids, the body as a whole) */}
        <Show when={unplaced().length > 0}>
          <IssueList issues={unplaced()} />
        </Show>
      </div>
      {text('title', { required: true, maxLength: 500 })}
      {text('titleReading', { maxLength: 500 })}
      {list('otherTitles')}
      {list('authors')}
      {text('responsibility')}
      {text('edition')}
      {text('publisher')}
      {text('pubPlace')}
      {text('pubDate')}
      {text('pubYear', { inputmode: 'numeric', maxLength: 4 })}
      {text('extent')}
      {text('isbn', { inputmode: 'numeric', maxLength: 17 })}
      {text('ndc', { inputmode: 'decimal', maxLength: 20 })}
      <CodeSelect
        id="bib-materialType"
        name="materialType"
        label={t(LABELS.materialType)}
        options={reference.data()?.materialTypes ?? []}
        value={state.one.materialType}
        blank={t('cat.materialTypeNone')}
        issue={issue('materialType')}
        onChange={(v) => setState('one', 'materialType', v)}
      />
      {text('seriesTitle')}
      {text('volume')}
      {text('language', { maxLength: 3 })}
      {text('trcNumber', { inputmode: 'numeric' })}
      {text('jpNumber', { inputmode: 'numeric' })}
      {list('subjects')}
      {list('notes')}
      <TextField
        id="bib-summary"
        name="summary"
        class="field span-all"
        label={t(LABELS.summary)}
        issue={issue('summary')}
        value={state.one.summary}
        onInput={(v) => setState('one', 'summary', v)}
        multiline
      />
      <datalist id="bib-roles">
        <For each={ROLES}>{(r) => <option value={r} />}</For>
      </datalist>
      <datalist id="bib-schemes">
        <For each={SCHEMES}>{(s) => <option value={s} />}</For>
      </datalist>
      <div class="form-actions">
        <button type="submit" class="button-primary" disabled={busy()}>
          {props.submitLabel}
        </button>
        <A class="button-quiet" href={props.cancelHref}>
          {t('cat.cancel')}
        </A>
      </div>
    </form>
  );
}

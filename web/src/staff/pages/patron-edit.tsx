import { createSignal, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import {
  CodeSelect,
  type DuplicateCandidate,
  DuplicateWarning,
  formText,
  type Guardian,
  GuardianPicker,
  issueFor,
  PatronInput,
} from './patron-form-parts.tsx';

/** The full record (GET /patrons/:id/full: needs patrons.readFull and is operation-logged). */
export const loadFullPatron = (id: string) => call(api.patrons[':id'].full.$get({ param: { id } }));
export type FullPatron = Awaited<ReturnType<typeof loadFullPatron>>;

type Changes = {
  categoryCode?: string;
  name?: string;
  nameReading?: string;
  birthDate?: string | null;
  postalCode?: string | null;
  address?: string | null;
  phone?: string | null;
  email?: string | null;
  residency?: string;
  guardianId?: string | null;
  emailNotices?: boolean;
  readingHistoryOptIn?: boolean;
};

/**
 * 登録内容の変更: the registration fields prefilled from the full record; only the fields staff
 * changed are sent (the log names them, never their values). A changed reading, birth date or
 * address is checked for duplicates first, and staff confirm before saving.
 */
export function PatronEdit(props: {
  patron: FullPatron;
  onSaved: (fields: string[]) => void;
  onCancel: () => void;
}) {
  const reference = createLoad(() => call(api.reference.$get()));
  const settings = createLoad(() => call(api['patron-settings'].registration.$get()));
  const full = () => props.patron.full!;
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [candidates, setCandidates] = createSignal<DuplicateCandidate[] | null>(null);
  const [category, setCategory] = createSignal(props.patron.category.code);
  const [guardian, setGuardian] = createSignal<Guardian | null>(full().guardian);
  const [dropGuardian, setDropGuardian] = createSignal(false);
  let form: HTMLFormElement | undefined;

  const needsGuardian = () => settings.data()?.guardianCategories.includes(category()) ?? false;
  const fieldIssue = (path: string) => issueFor(problem(), path);

  const changes = (): Changes => {
    const f = new FormData(form!);
    const was = full();
    const out: Changes = {};
    const put = <K extends keyof Changes>(key: K, value: Changes[K], before: Changes[K]) => {
      if (value !== before) out[key] = value;
    };
    put('categoryCode', category(), props.patron.category.code);
    put('name', formText(f, 'name') ?? '', props.patron.name);
    put('nameReading', formText(f, 'nameReading') ?? '', props.patron.nameReading);
    put('birthDate', formText(f, 'birthDate'), was.birthDate);
    put('postalCode', formText(f, 'postalCode'), was.postalCode);
    put('address', formText(f, 'address'), was.address);
    put('phone', formText(f, 'phone'), was.phone);
    put('email', formText(f, 'email'), was.email);
    put('residency', formText(f, 'residency') ?? '', was.residency);
    const guardianId = dropGuardian() ? null : (guardian()?.id ?? null);
    put('guardianId', guardianId, was.guardian?.id ?? null);
    put('emailNotices', f.get('emailNotices') === 'on', was.emailNotices);
    put('readingHistoryOptIn', f.get('readingHistoryOptIn') === 'on', was.readingHistoryOptIn);
    return out;
  };

  const save = async (confirmDuplicate: boolean) => {
    if (!form) return;
    const json = changes();
    setProblem(null);
    setCandidates(null);
    if (Object.keys(json).length === 0) {
      props.onSaved([]);
      return;
    }
    try {
      const probe = ['nameReading', 'birthDate', 'address'].some((k) => k in json);
      if (probe && !confirmDuplicate) {
        const f = new FormData(form);
        const r = await call(
          api.patrons.duplicates.$post({
            json: {
              nameReading: formText(f, 'nameReading') ?? '',
              birthDate: formText(f, 'birthDate'),
              address: formText(f, 'address'),
            },
          }),
        );
        const others = r.candidates.filter((c) => c.id !== props.patron.id);
        if (others.length) {
          setCandidates(others);
          return;
        }
      }
      const r = await call(
        api.patrons[':id'].$patch({
          param: { id: props.patron.id },
          json: confirmDuplicate ? { ...json, confirmDuplicate: true } : json,
        }),
      );
      props.onSaved(r.fields);
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    void save(false);
  };

  const field = (
    name: string,
    label: string,
    value: string | null,
    attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <PatronInput
      prefix="edit"
      name={name}
      label={label}
      issue={fieldIssue(name)}
      attrs={{ value: value ?? '', ...attrs }}
    />
  );

  return (
    <section aria-labelledby="edit-title" class="card">
      <h2 id="edit-title">{t('patrons.editTitle')}</h2>
      <ProblemAlert problem={problem() ?? reference.problem() ?? settings.problem()} />
      <Show when={candidates()}>
        {(list) => (
          <DuplicateWarning
            candidates={list()}
            confirmLabel={t('patrons.duplicateConfirmEdit')}
            onConfirm={() => void save(true)}
          />
        )}
      </Show>
      <form ref={form} class="form-grid" onSubmit={onSubmit} novalidate>
        <CodeSelect
          id="edit-category"
          name="categoryCode"
          label={t('patrons.category')}
          options={reference.data()?.patronCategories ?? []}
          value={category()}
          issue={fieldIssue('categoryCode')}
          onChange={setCategory}
        />
        {field('name', t('patrons.name'), props.patron.name, { required: true, maxLength: 100 })}
        {field('nameReading', t('patrons.reading'), props.patron.nameReading, {
          required: true,
          maxLength: 100,
        })}
        {field('birthDate', t('patrons.birthDate'), full().birthDate, { type: 'date' })}
        <CodeSelect
          id="edit-residency"
          name="residency"
          label={t('patrons.residency')}
          options={settings.data()?.residencies ?? []}
          value={full().residency}
          issue={fieldIssue('residency')}
        />
        {field('postalCode', t('patrons.postalCode'), full().postalCode, {
          maxLength: 8,
          inputMode: 'numeric',
        })}
        {field('address', t('patrons.address'), full().address, { maxLength: 200 })}
        {field('phone', t('patrons.phone'), full().phone, { type: 'tel', maxLength: 20 })}
        {field('email', t('patrons.email'), full().email, { type: 'email', maxLength: 254 })}
        <Show when={needsGuardian() || full().guardian}>
          <GuardianPicker
            id="edit-guardian"
            issue={fieldIssue('guardianId')}
            guardian={dropGuardian() ? null : guardian()}
            onFound={(g) => {
              setGuardian(g);
              if (g) setDropGuardian(false);
            }}
            onProblem={setProblem}
          />
          <Show when={full().guardian}>
            <label>
              <input
                type="checkbox"
                checked={dropGuardian()}
                onChange={(e) => setDropGuardian(e.currentTarget.checked)}
              />{' '}
              {t('patrons.guardianRemove')}
            </label>
          </Show>
        </Show>
        <div class="field">
          <label>
            <input type="checkbox" name="emailNotices" checked={full().emailNotices} />{' '}
            {t('patrons.emailNotices')}
          </label>
          <label>
            <input type="checkbox" name="readingHistoryOptIn" checked={full().readingHistoryOptIn} />{' '}
            {t('patrons.readingHistory')}
          </label>
        </div>
        <p class="inline-form">
          <button type="submit" class="button-primary">
            {t('patrons.editSave')}
          </button>
          <button type="button" class="button-quiet" onClick={() => props.onCancel()}>
            {t('cat.cancel')}
          </button>
        </p>
      </form>
    </section>
  );
}

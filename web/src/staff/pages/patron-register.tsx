import { A, useNavigate } from '@solidjs/router';
import { createSignal, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import {
  CodeSelect,
  type DuplicateCandidate,
  DuplicateWarning,
  type Guardian,
  GuardianPicker,
  issueFor,
  PatronInput,
  formText as text,
} from './patron-form-parts.tsx';

/**
 * 利用者登録: every field the registration needs, residency kinds from the library's settings, a
 * guardian (looked up by card) for categories that need one, and the duplicate warning: when the
 * core finds the same reading, birth date and address, staff see the candidates and must confirm.
 */
export function PatronRegister() {
  const navigate = useNavigate();
  const reference = createLoad(() => call(api.reference.$get()));
  const settings = createLoad(() => call(api['patron-settings'].registration.$get()));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [candidates, setCandidates] = createSignal<DuplicateCandidate[] | null>(null);
  const [category, setCategory] = createSignal('general');
  const [guardian, setGuardian] = createSignal<Guardian | null>(null);
  let form: HTMLFormElement | undefined;

  const needsGuardian = () => settings.data()?.guardianCategories.includes(category()) ?? false;
  const isOrganization = () => settings.data()?.organizationCategories.includes(category()) ?? false;
  const fieldIssue = (path: string) => issueFor(problem(), path);

  const submit = async (confirmDuplicate: boolean) => {
    if (!form) return;
    const f = new FormData(form);
    setProblem(null);
    try {
      const r = await call(
        api.patrons.$post({
          json: {
            categoryCode: category(),
            name: text(f, 'name') ?? '',
            nameReading: text(f, 'nameReading') ?? '',
            birthDate: text(f, 'birthDate'),
            postalCode: text(f, 'postalCode'),
            address: text(f, 'address'),
            phone: text(f, 'phone'),
            email: text(f, 'email'),
            residency: text(f, 'residency') ?? '',
            guardianId: needsGuardian() ? (guardian()?.id ?? null) : null,
            cardBarcode: text(f, 'cardBarcode') ?? '',
            emailNotices: f.get('emailNotices') === 'on',
            readingHistoryOptIn: f.get('readingHistoryOptIn') === 'on',
            confirmDuplicate,
          },
        }),
      );
      if (r.status === 'duplicateSuspected') {
        setCandidates(r.candidates);
        return;
      }
      navigate(`/patrons/${r.patronId}?registered=1`);
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    setCandidates(null);
    void submit(false);
  };

  const field = (name: string, label: string, attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <PatronInput prefix="reg" name={name} label={label} issue={fieldIssue(name)} attrs={attrs} />
  );

  return (
    <section aria-labelledby="page-title">
      <p>
        <A href="/patrons">← {t('nav.patrons')}</A>
      </p>
      <h1 id="page-title">{t('patrons.registerTitle')}</h1>
      <ProblemAlert problem={problem() ?? reference.problem() ?? settings.problem()} />
      <Show when={candidates()}>
        {(list) => (
          <DuplicateWarning
            candidates={list()}
            confirmLabel={t('patrons.duplicateConfirm')}
            onConfirm={() => void submit(true)}
          />
        )}
      </Show>
      <form ref={form} class="card form-grid" onSubmit={onSubmit} novalidate>
        <CodeSelect
          id="reg-category"
          name="categoryCode"
          label={t('patrons.category')}
          options={reference.data()?.patronCategories ?? []}
          value={category()}
          onChange={setCategory}
        />
        {field('name', t('patrons.name'), { required: true, maxLength: 100 })}
        {field('nameReading', t('patrons.reading'), { required: true, maxLength: 100 })}
        <Show when={!isOrganization()}>{field('birthDate', t('patrons.birthDate'), { type: 'date' })}</Show>
        <CodeSelect
          id="reg-residency"
          name="residency"
          label={t('patrons.residency')}
          options={settings.data()?.residencies ?? []}
          issue={fieldIssue('residency')}
        />
        {field('postalCode', t('patrons.postalCode'), { maxLength: 8, inputMode: 'numeric' })}
        {field('address', t('patrons.address'), { maxLength: 200 })}
        {field('phone', t('patrons.phone'), { type: 'tel', maxLength: 20 })}
        {field('email', t('patrons.email'), { type: 'email', maxLength: 254 })}
        <Show when={needsGuardian()}>
          <GuardianPicker
            id="reg-guardian"
            issue={fieldIssue('guardianId')}
            guardian={guardian()}
            onFound={setGuardian}
            onProblem={setProblem}
          />
        </Show>
        {field('cardBarcode', t('patrons.newCard'), { required: true, inputMode: 'numeric', maxLength: 64 })}
        <div class="field">
          <label>
            <input type="checkbox" name="emailNotices" checked /> {t('patrons.emailNotices')}
          </label>
          <label>
            <input type="checkbox" name="readingHistoryOptIn" /> {t('patrons.readingHistory')}
          </label>
        </div>
        <button type="submit" class="button-primary">
          {t('patrons.submitRegister')}
        </button>
      </form>
    </section>
  );
}

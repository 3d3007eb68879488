import { createSignal, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { pick, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';
import { type CodeNames, CodeNamesAddForm } from '../components/settings-parts.tsx';
import { me } from '../session.ts';

/**
 * 利用者登録の設定: the residency kinds the library registers (市内在住・在勤・在学, neighbouring towns)
 * and how long a registration lasts. Data, not code: staff with settings.write add or remove kinds.
 */
export function PatronRegistrationSettings() {
  const settings = createLoad(() => call(api['patron-settings'].registration.$get()));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const canWrite = () => me()?.permissions.includes('settings.write') ?? false;

  const save = async (residencies: CodeNames[]) => {
    const current = settings.data();
    if (!current) return;
    setProblem(null);
    try {
      settings.mutate(
        await call(api['patron-settings'].registration.$put({ json: { ...current, residencies } })),
      );
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const add = (next: CodeNames, form: HTMLFormElement) => {
    void save([...(settings.data()?.residencies ?? []), next]).then(() => form.reset());
  };

  return (
    <section aria-labelledby="registration-settings-title">
      <h2 id="registration-settings-title">{t('settings.registration')}</h2>
      <ProblemAlert problem={problem() ?? settings.problem()} />
      <Show when={settings.data()}>
        {(s) => (
          <>
            <p>{t('settings.validYears', { years: s().validYears })}</p>
            <RowsTable
              rows={s().residencies}
              head={
                <>
                  <th scope="col">{t('settings.residencyCode')}</th>
                  <th scope="col">{t('patrons.residency')}</th>
                  <Show when={canWrite()}>
                    <th scope="col">
                      <span class="visually-hidden">{t('settings.remove')}</span>
                    </th>
                  </Show>
                </>
              }
              row={(r) => (
                <tr>
                  <td class="mono">{r.code}</td>
                  <td>{pick(r.nameJa, r.nameEn)}</td>
                  <Show when={canWrite()}>
                    <td>
                      <button
                        type="button"
                        class="button-quiet"
                        disabled={s().residencies.length === 1}
                        onClick={() => void save(s().residencies.filter((x) => x.code !== r.code))}
                      >
                        {t('settings.remove')}: {r.nameJa}
                      </button>
                    </td>
                  </Show>
                </tr>
              )}
            />
            <Show when={canWrite()}>
              <CodeNamesAddForm
                idPrefix="res"
                codeLabel={t('settings.residencyCode')}
                nameJaLabel={t('settings.nameJa')}
                nameEnLabel={t('settings.nameEn')}
                submitLabel={t('settings.addResidency')}
                onAdd={add}
              />
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}

import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { pick, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { me } from '../session.ts';

/**
 * 利用者登録の設定: the residency kinds the library registers (市内在住・在勤・在学, neighbouring towns)
 * and how long a registration lasts. Data, not code: staff with settings.write add or remove kinds.
 */
export function PatronRegistrationSettings() {
  const settings = createLoad(() => call(api['patron-settings'].registration.$get()));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const canWrite = () => me()?.permissions.includes('settings.write') ?? false;

  const save = async (residencies: { code: string; nameJa: string; nameEn: string }[]) => {
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
  const add: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const value = (k: string) => String(f.get(k) ?? '').trim();
    const next = { code: value('code'), nameJa: value('nameJa'), nameEn: value('nameEn') };
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
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('settings.residencyCode')}</th>
                    <th scope="col">{t('patrons.residency')}</th>
                    <Show when={canWrite()}>
                      <th scope="col">
                        <span class="visually-hidden">{t('settings.remove')}</span>
                      </th>
                    </Show>
                  </tr>
                </thead>
                <tbody>
                  <For each={s().residencies}>
                    {(r) => (
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
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={canWrite()}>
              <form class="inline-form" onSubmit={add}>
                <div class="field">
                  <label for="res-code">{t('settings.residencyCode')}</label>
                  <input id="res-code" name="code" required pattern="[a-z][a-z0-9\-]{0,31}" maxLength={32} />
                </div>
                <div class="field">
                  <label for="res-ja">{t('settings.nameJa')}</label>
                  <input id="res-ja" name="nameJa" required maxLength={40} />
                </div>
                <div class="field">
                  <label for="res-en">{t('settings.nameEn')}</label>
                  <input id="res-en" name="nameEn" required maxLength={60} />
                </div>
                <button type="submit" class="button-quiet">
                  {t('settings.addResidency')}
                </button>
              </form>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}

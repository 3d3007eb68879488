import { createSignal, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';
import { type CodeNames, CodeNamesAddForm, formValue } from '../components/settings-parts.tsx';
import { me } from '../session.ts';

/** 利用者区分: the library's patron categories (一般・中高生・児童・団体 to start); settings.write adds more. */
export function PatronCategorySettings() {
  const list = createLoad(() => call(api['patron-settings'].categories.$get()));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const canWrite = () => me()?.permissions.includes('settings.write') ?? false;

  const add = async (json: CodeNames, form: HTMLFormElement) => {
    setProblem(null);
    try {
      const added = await call(api['patron-settings'].categories.$post({ json }));
      list.mutate({ categories: [...(list.data()?.categories ?? []), added] });
      form.reset();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };

  /** 名称変更: the row's own form; the code stays (rules and statistics refer to it) */
  const rename =
    (id: string): JSX.EventHandler<HTMLFormElement, SubmitEvent> =>
    async (e) => {
      e.preventDefault();
      const f = new FormData(e.currentTarget);
      setProblem(null);
      try {
        const renamed = await call(
          api['patron-settings'].categories[':id'].$patch({
            param: { id },
            json: { nameJa: formValue(f, 'nameJa'), nameEn: formValue(f, 'nameEn') },
          }),
        );
        list.mutate({ categories: (list.data()?.categories ?? []).map((c) => (c.id === id ? renamed : c)) });
      } catch (err) {
        setProblem(asProblem(err));
      }
    };

  return (
    <section aria-labelledby="category-settings-title">
      <h2 id="category-settings-title">{t('settings.categories')}</h2>
      <ProblemAlert problem={problem() ?? list.problem()} />
      <Show when={list.data()}>
        {(l) => (
          <RowsTable
            rows={l().categories}
            head={
              <>
                <th scope="col">{t('settings.categoryCode')}</th>
                <th scope="col">{t('settings.categoryNameJa')}</th>
                <th scope="col">{t('settings.categoryNameEn')}</th>
                <Show when={canWrite()}>
                  <th scope="col">{t('settings.rename')}</th>
                </Show>
              </>
            }
            row={(c) => (
              <tr>
                <td class="mono">{c.code}</td>
                <td>{c.nameJa}</td>
                <td>{c.nameEn}</td>
                <Show when={canWrite()}>
                  <td>
                    <form class="inline-form" id={`cat-rename-${c.code}`} onSubmit={rename(c.id)}>
                      <input
                        name="nameJa"
                        required
                        maxLength={40}
                        value={c.nameJa}
                        aria-label={`${t('settings.categoryNameJa')} (${c.code})`}
                      />
                      <input
                        name="nameEn"
                        required
                        maxLength={60}
                        value={c.nameEn}
                        aria-label={`${t('settings.categoryNameEn')} (${c.code})`}
                      />
                      <button type="submit" class="button-quiet">
                        {t('settings.rename')}: {c.code}
                      </button>
                    </form>
                  </td>
                </Show>
              </tr>
            )}
          />
        )}
      </Show>
      <Show when={canWrite()}>
        <CodeNamesAddForm
          idPrefix="cat"
          codeLabel={t('settings.categoryCode')}
          nameJaLabel={t('settings.categoryNameJa')}
          nameEnLabel={t('settings.categoryNameEn')}
          submitLabel={t('settings.addCategory')}
          onAdd={(json, form) => void add(json, form)}
        />
      </Show>
    </section>
  );
}

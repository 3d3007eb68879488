import { Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { pick, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';
import { me } from '../session.ts';
import { CallNumberSettings } from './call-number-settings.tsx';
import { MarcSettings } from './marc-settings.tsx';
import { PatronCategorySettings } from './patron-category-settings.tsx';
import { PatronRegistrationSettings } from './patron-registration-settings.tsx';

const load = async () => {
  const [rules, reference] = await Promise.all([call(api['loan-rules'].$get()), call(api.reference.$get())]);
  return { rules: rules.rules, reference };
};

type Named = { id: string; nameJa: string; nameEn: string };

/** 設定: read-only view of the loan rules for now; editing arrives with the settings screens. */
export function Settings() {
  const { data, problem } = createLoad(load);
  const nameOf = (list: readonly Named[], id: string | null) => {
    if (!id) return t('settings.any');
    const hit = list.find((x) => x.id === id);
    return hit ? pick(hit.nameJa, hit.nameEn) : id;
  };
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.settings')}</h1>
      <ProblemAlert problem={problem()} />
      <h2>{t('settings.loanRules')}</h2>
      <Show when={data()}>
        {(d) => (
          <RowsTable
            rows={d().rules}
            none={t('settings.none')}
            head={
              <>
                <th scope="col">{t('settings.patronCategory')}</th>
                <th scope="col">{t('settings.materialType')}</th>
                <th scope="col">{t('settings.location')}</th>
                <th scope="col">{t('settings.loanable')}</th>
                <th scope="col" class="num">
                  {t('settings.loanDays')}
                </th>
                <th scope="col" class="num">
                  {t('settings.maxItems')}
                </th>
                <th scope="col" class="num">
                  {t('settings.maxRenewals')}
                </th>
                <th scope="col" class="num">
                  {t('settings.maxHolds')}
                </th>
              </>
            }
            row={(r) => (
              <tr>
                <td>{nameOf(d().reference.patronCategories, r.patronCategoryId)}</td>
                <td>{nameOf(d().reference.materialTypes, r.materialTypeId)}</td>
                <td>{nameOf(d().reference.locations, r.locationId)}</td>
                <td>{r.loanable ? t('settings.yes') : t('settings.no')}</td>
                <td class="num">{r.loanDays}</td>
                <td class="num">{r.maxItems}</td>
                <td class="num">{r.maxRenewals}</td>
                <td class="num">{r.maxHolds}</td>
              </tr>
            )}
          />
        )}
      </Show>
      <Show when={me()?.permissions.includes('patrons.read')}>
        <PatronRegistrationSettings />
        <PatronCategorySettings />
      </Show>
      <CallNumberSettings />
      <MarcSettings />
    </section>
  );
}

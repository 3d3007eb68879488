import { For, Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { formatNumber, type MessageKey, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { me } from '../session.ts';

type Counts = Awaited<ReturnType<typeof load>>['counts'];
const load = () => call(api.dashboard.$get());

const FIGURES: readonly { key: keyof Counts; label: MessageKey }[] = [
  { key: 'bibs', label: 'dashboard.bibs' },
  { key: 'items', label: 'dashboard.items' },
  { key: 'patrons', label: 'dashboard.patrons' },
  { key: 'activeLoans', label: 'dashboard.activeLoans' },
  { key: 'holds', label: 'dashboard.holds' },
];

export function Dashboard() {
  const { data, problem } = createLoad(load);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.dashboard')}</h1>
      <p class="lead">{t('dashboard.welcome', { name: me()?.staff.displayName ?? '' })}</p>
      <ProblemAlert problem={problem()} />
      <Show when={data()}>
        {(d) => (
          <dl class="figures">
            <For each={FIGURES}>
              {(f) => (
                <div class="figure">
                  <dt>{t(f.label)}</dt>
                  <dd>{formatNumber(d().counts[f.key])}</dd>
                </div>
              )}
            </For>
            <div class="figure">
              <dt>{t('dashboard.agents')}</dt>
              <dd>
                {t('dashboard.agentsValue', {
                  online: formatNumber(d().counts.agentsOnline),
                  total: formatNumber(d().counts.agentsTotal),
                })}
              </dd>
            </div>
          </dl>
        )}
      </Show>
    </section>
  );
}

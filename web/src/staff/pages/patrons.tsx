import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';

type Patron = Awaited<ReturnType<typeof findByCard>>;
const findByCard = (barcode: string) => call(api.patrons['by-card'][':barcode'].$get({ param: { barcode } }));

/** 利用者: look a card up (a wedge scanner types into the field and presses Enter). Minimal fields only. */
export function Patrons() {
  const [barcode, setBarcode] = createSignal('');
  const [patron, setPatron] = createSignal<Patron | null>(null);
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);

  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const code = barcode().trim();
    if (!code) return;
    setProblem(null);
    setPatron(null);
    try {
      setPatron(await findByCard(code));
    } catch (err) {
      setProblem(asProblem(err));
    }
  };

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.patrons')}</h1>
      <form class="inline-form" onSubmit={onSubmit}>
        <div class="field grow">
          <label for="patron-card">{t('patrons.card')}</label>
          <input
            id="patron-card"
            name="card"
            inputMode="numeric"
            autocomplete="off"
            maxLength={64}
            value={barcode()}
            onInput={(e) => setBarcode(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="button-primary">
          {t('patrons.lookup')}
        </button>
      </form>
      <ProblemAlert problem={problem()} />
      <Show when={patron()}>
        {(p) => (
          <dl class="card details">
            <div>
              <dt>{t('patrons.name')}</dt>
              <dd>
                {p().name}
                <Show when={p().nameReading}>
                  <span class="reading">{p().nameReading}</span>
                </Show>
              </dd>
            </div>
            <div>
              <dt>{t('patrons.category')}</dt>
              <dd>{p().category.nameJa}</dd>
            </div>
            <div>
              <dt>{t('patrons.status')}</dt>
              <dd>{p().status}</dd>
            </div>
            <div>
              <dt>{t('patrons.expiresOn')}</dt>
              <dd>{p().expiresOn}</dd>
            </div>
            <div>
              <dt>{t('patrons.cards')}</dt>
              <dd>
                <ul class="plain">
                  <For each={p().cards}>
                    {(c) => (
                      <li>
                        <code>{c.barcode}</code> ({c.status})
                      </li>
                    )}
                  </For>
                </ul>
              </dd>
            </div>
          </dl>
        )}
      </Show>
    </section>
  );
}

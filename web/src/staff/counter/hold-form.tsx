import { createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { problemText } from '../components/problem-alert.tsx';

type Hit = Awaited<ReturnType<typeof findTitles>>['items'][number];
type Contact = 'phone' | 'email' | 'none';
const findTitles = (q: string) => call(api.bibs.$get({ query: { q, limit: '5', offset: '0' } }));

/**
 * 予約受付 at the counter: find the title the patron asks for (ISBN, title words or a copy's
 * barcode), then place the hold for the patron on the counter screen, to be picked up here.
 */
export function CounterHoldForm(props: {
  patronId: string;
  pickupLocationId: string;
  onPlaced: (title: string, queuePosition: number) => void;
}) {
  const [q, setQ] = createSignal('');
  const [hits, setHits] = createSignal<Hit[] | null>(null);
  const [contact, setContact] = createSignal<Contact>('phone');
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [busy, setBusy] = createSignal(false);

  const onSearch: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const text = q().trim();
    if (!text) return;
    setProblem(null);
    try {
      setHits((await findTitles(text)).items);
    } catch (err) {
      setProblem(asProblem(err));
    }
  };

  const place = async (hit: Hit) => {
    setBusy(true);
    setProblem(null);
    try {
      const res = await call(
        api.holds.$post({
          json: {
            patronId: props.patronId,
            bibId: hit.id,
            pickupLocationId: props.pickupLocationId,
            contactMethod: contact(),
          },
        }),
      );
      setHits(null);
      setQ('');
      props.onPlaced(hit.title, res.queuePosition);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="counter-hold" aria-labelledby="counter-hold-title">
      <h3 id="counter-hold-title">{t('counter.holdPlace')}</h3>
      <form class="inline-form" onSubmit={onSearch}>
        <label>
          {t('counter.holdFind')}
          <input type="search" value={q()} onInput={(e) => setQ(e.currentTarget.value)} />
        </label>
        <label>
          {t('counter.holdContact')}
          <select value={contact()} onChange={(e) => setContact(e.currentTarget.value as Contact)}>
            <option value="phone">{t('counter.contact.phone')}</option>
            <option value="email">{t('counter.contact.email')}</option>
            <option value="none">{t('counter.contact.none')}</option>
          </select>
        </label>
        <button type="submit">{t('counter.holdSearch')}</button>
      </form>
      <Show when={problem()}>{(p) => <p role="alert">{problemText(p())}</p>}</Show>
      <Show when={hits()}>
        {(list) => (
          <Show when={list().length} fallback={<p class="muted">{t('search.none')}</p>}>
            <ul class="plain counter-hold-hits">
              <For each={list()}>
                {(hit) => (
                  <li>
                    <span class="title">{hit.title}</span>{' '}
                    <button
                      type="button"
                      class="button-quiet"
                      disabled={busy()}
                      aria-label={t('counter.holdFor', { title: hit.title })}
                      onClick={() => void place(hit)}
                    >
                      {t('counter.holdButton')}
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Show>
    </section>
  );
}

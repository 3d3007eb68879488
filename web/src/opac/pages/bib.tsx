import { useNavigate, useParams, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, type JSX, onMount, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { pick } from '../../i18n/index.ts';
import { ProblemAlert } from '../../staff/components/problem-alert.tsx';
import { HoldChoices, holdChoicesOf } from '../hold-choices.tsx';
import { type OpacKey, ot } from '../i18n.ts';
import {
  cameFromThisOpac,
  kioskId,
  kioskInfo,
  loadPatron,
  patron,
  startAddress,
  usePageTitle,
} from '../state.ts';
import { AddToBookshelf } from './my-extras.tsx';
import { Availability } from './search.tsx';

const statusKey = (s: string) => `status.${s}` as OpacKey;

/** 資料の詳細 (/opac/bib/:id): the record, each copy's place and state, 予約する and, at a kiosk, 所在票. */
export function BibPage() {
  const params = useParams<{ id: string }>();
  const [search, setSearch] = useSearchParams<{ hold?: string }>();
  const navigate = useNavigate();
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [notice, setNotice] = createSignal('');
  const [bib, { refetch }] = createResource(
    () => params.id,
    async (id) => {
      try {
        return await call(api.opac.bibs[':id'].$get({ param: { id }, query: {} }));
      } catch (err) {
        setProblem(asProblem(err));
        return undefined;
      }
    },
  );
  usePageTitle(() => bib()?.title ?? ot('opac.loading'));
  // a logged-in patron sees お気に入りに追加 even when this page is the first one opened
  onMount(() => {
    if (patron() === undefined) void loadPatron().catch(() => null);
  });
  const startHold = async () => {
    setNotice('');
    setProblem(null);
    const me = patron() ?? (await loadPatron().catch(() => null));
    if (!me) {
      const next = `/opac/bib/${params.id}?hold=1`;
      navigate(`/opac/login?next=${encodeURIComponent(next)}`);
      return;
    }
    setSearch({ hold: '1' });
  };

  const placeHold: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setProblem(null);
    try {
      const r = await call(
        api.my.holds.$post({
          json: {
            bibId: params.id,
            ...holdChoicesOf(form),
          },
        }),
      );
      setSearch({ hold: undefined });
      setNotice(r.queuePosition > 0 ? ot('hold.done', { n: r.queuePosition }) : ot('hold.doneReady'));
      void refetch();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };

  const printSlip = async (itemId: string) => {
    setNotice('');
    setProblem(null);
    try {
      await call(
        api.opac.kiosks[':kioskId']['location-slip'].$post({
          param: { kioskId: kioskId! },
          query: {},
          json: { itemId },
        }),
      );
      setNotice(ot('bib.printed'));
    } catch (err) {
      setProblem(asProblem(err));
    }
  };

  // back to the results when they are behind us in this OPAC; from an outside link, to the search page
  const back = () => {
    if (cameFromThisOpac()) history.back();
    else navigate(startAddress());
  };

  return (
    <article aria-labelledby="bib-title" class="bib">
      <p>
        <button type="button" class="button-link" onClick={back}>
          {ot('bib.back')}
        </button>
      </p>
      <ProblemAlert problem={problem()} />
      <p role="status" aria-live="polite" class="notice-live">
        {notice()}
      </p>
      <Show when={bib()}>
        {(b) => (
          <>
            <h1 id="bib-title">{b().title}</h1>
            <Availability
              availability={
                b().availableCount > 0 ? 'available' : b().holdings.length > 0 ? 'onLoan' : 'none'
              }
              available={b().availableCount}
              total={b().holdings.length}
              holds={b().holdCount}
            />
            <dl class="bib-fields">
              <Show when={b().authors.length > 0}>
                <dt>{ot('bib.author')}</dt>
                <dd>
                  {b()
                    .authors.map((a) => a.name)
                    .join('、')}
                </dd>
              </Show>
              <Show when={b().publisher}>
                <dt>{ot('bib.publisher')}</dt>
                <dd>{b().publisher}</dd>
              </Show>
              <Show when={b().pubYear}>
                <dt>{ot('bib.year')}</dt>
                <dd>{b().pubYear}</dd>
              </Show>
              <Show when={b().seriesTitle}>
                <dt>{ot('bib.series')}</dt>
                <dd>
                  {b().seriesTitle} {b().volume ?? ''}
                </dd>
              </Show>
              <Show when={b().isbn}>
                <dt>{ot('bib.isbn')}</dt>
                <dd>{b().isbn}</dd>
              </Show>
              <Show when={b().ndc}>
                <dt>{ot('bib.ndc')}</dt>
                <dd>{b().ndc}</dd>
              </Show>
              <Show when={b().subjects.length > 0}>
                <dt>{ot('bib.subjects')}</dt>
                <dd>{b().subjects.join('、')}</dd>
              </Show>
              <Show when={b().summary}>
                <dt>{ot('bib.summary')}</dt>
                <dd>{b().summary}</dd>
              </Show>
            </dl>

            <section aria-labelledby="holdings-heading">
              <h2 id="holdings-heading">{ot('bib.holdings')}</h2>
              <Show when={b().holdings.length > 0} fallback={<p>{ot('bib.noHoldings')}</p>}>
                <ul class="holdings">
                  <For each={b().holdings}>
                    {(h) => (
                      <li class="holding">
                        <dl>
                          <dt>{ot('bib.location')}</dt>
                          <dd>{pick(h.locationJa, h.locationEn)}</dd>
                          <dt>{ot('bib.shelf')}</dt>
                          <dd>{h.shelf || '—'}</dd>
                          <dt>{ot('bib.callNumber')}</dt>
                          <dd>{h.callNumber || '—'}</dd>
                          <dt>{ot('bib.status')}</dt>
                          <dd class={`status-${h.status}`}>{ot(statusKey(h.status))}</dd>
                        </dl>
                        <Show when={kioskInfo()?.canPrint}>
                          <button
                            type="button"
                            class="button-secondary"
                            onClick={() => void printSlip(h.itemId)}
                          >
                            {ot('bib.printSlip')}
                          </button>
                        </Show>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </section>

            <Show
              when={search.hold === '1' && patron()}
              fallback={
                <button type="button" class="button-primary hold-button" onClick={() => void startHold()}>
                  {ot('bib.hold')}
                </button>
              }
            >
              <form class="hold-form" onSubmit={placeHold} aria-labelledby="hold-heading">
                <h2 id="hold-heading">{ot('hold.heading')}</h2>
                <HoldChoices idPrefix="hold" />
                <button type="submit" class="button-primary">
                  {ot('hold.submit')}
                </button>
              </form>
            </Show>
            <Show when={patron()}>
              <AddToBookshelf bibId={b().id} />
            </Show>
          </>
        )}
      </Show>
    </article>
  );
}

import { createResource, For, Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { lang, pick } from '../../i18n/index.ts';
import { ot } from '../i18n.ts';
import { usePageTitle } from '../state.ts';

/** 開館日と開館時間: the next 31 days of each library, with hours or the reason it is closed. */
export function CalendarPage() {
  usePageTitle(() => ot('calendar.heading'));
  const [cal] = createResource(async () => call(api.opac.calendar.$get({ query: {} })));
  return (
    <section aria-labelledby="calendar-heading">
      <h1 id="calendar-heading">{ot('calendar.heading')}</h1>
      <Show when={cal()}>
        {(c) => (
          <For each={c().locations}>
            {(l) => (
              <section aria-labelledby={`cal-${l.code}`} class="calendar">
                <h2 id={`cal-${l.code}`}>{pick(l.nameJa, l.nameEn)}</h2>
                <table>
                  <caption class="visually-hidden">{pick(l.nameJa, l.nameEn)}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{ot('calendar.day')}</th>
                      <th scope="col">{ot('calendar.hours')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={l.days}>
                      {(d) => (
                        <tr classList={{ closed: !d.open }}>
                          <th scope="row">{lang() === 'en' ? d.day : d.dayEra}</th>
                          <td>
                            {d.open
                              ? d.opens
                                ? ot('calendar.open', { opens: d.opens, closes: d.closes ?? '' })
                                : ot('calendar.openDay')
                              : `${ot('calendar.closed')}${d.closedReasonJa ? `(${d.closedReasonJa})` : ''}`}
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </section>
            )}
          </For>
        )}
      </Show>
    </section>
  );
}

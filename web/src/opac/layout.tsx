import { A, type RouteSectionProps, useLocation } from '@solidjs/router';
import { createEffect, createSignal, on, onMount, Show } from 'solid-js';
import { api, call } from '../api/client.ts';
import { lang, pick } from '../i18n/index.ts';
import { LangSwitch } from '../staff/components/lang-switch.tsx';
import { ot } from './i18n.ts';
import { KanaKeyboard } from './keyboard.tsx';
import { lockNavigation, resetKiosk, startIdleReset } from './kiosk.ts';
import {
  isKiosk,
  kioskId,
  library,
  loadLibrary,
  noteNavigation,
  setKioskInfo,
  startAddress,
} from './state.ts';

/** The kiosk's own settings (idle seconds); a kiosk the library has not set up still resets after 90 s. */
async function startKiosk(onBlocked: () => void) {
  lockNavigation(onBlocked);
  let idle = 90;
  try {
    const k = await call(api.opac.kiosks[':kioskId'].$get({ param: { kioskId: kioskId! }, query: {} }));
    idle = k.idleSeconds;
    setKioskInfo(k);
  } catch {
    // not configured: the default still protects the next patron
  }
  startIdleReset(idle);
}

export function Layout(props: RouteSectionProps) {
  const [blocked, setBlocked] = createSignal(false);
  const location = useLocation();
  let main: HTMLElement | undefined;
  // a new page: screen readers start at its content, as after a full page load (not on the first load)
  createEffect(
    on(
      () => location.pathname,
      () => {
        noteNavigation();
        main?.focus({ preventScroll: false });
      },
      { defer: true },
    ),
  );
  onMount(() => {
    void loadLibrary().catch(() => undefined);
    if (isKiosk) void startKiosk(() => setBlocked(true));
  });
  const name = () => {
    const l = library();
    return l ? pick(l.nameJa, l.nameEn) : '';
  };
  const home = () => startAddress();
  return (
    <div class="opac" classList={{ kiosk: isKiosk }} lang={lang()}>
      {/* biome-ignore lint/a11y/useValidAnchor: a real in-page link, but the router takes over #main, so the skip link moves the focus itself as a browser would */}
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main?.focus();
        }}
      >
        {ot('opac.skip')}
      </a>
      <header class="opac-header">
        <div class="opac-brand">
          <A href={home()} class="opac-home">
            <span class="opac-library">{name()}</span>
            <span class="opac-app">{isKiosk ? ot('opac.kiosk') : ot('opac.title')}</span>
          </A>
          <LangSwitch />
        </div>
        <nav aria-label={ot('opac.nav')}>
          <ul class="opac-nav">
            <li>
              <A href={home()} end>
                {ot('opac.nav.search')}
              </A>
            </li>
            <li>
              <A href="/opac/new">{ot('opac.nav.new')}</A>
            </li>
            <li>
              <A href="/opac/popular">{ot('opac.nav.popular')}</A>
            </li>
            <li>
              <A href="/opac/calendar">{ot('opac.nav.calendar')}</A>
            </li>
            <li>
              <A href="/opac/my">{ot('opac.nav.my')}</A>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" tabindex="-1" ref={main}>
        <Show when={blocked()}>
          <p class="alert" role="alert">
            {ot('kiosk.blocked')}
          </p>
        </Show>
        {props.children}
      </main>
      <Show when={isKiosk}>
        <aside class="kiosk-bar" aria-label={ot('opac.kiosk')}>
          <KanaKeyboard />
          <button type="button" class="button-secondary kiosk-reset" onClick={() => void resetKiosk()}>
            {ot('kiosk.reset')}
          </button>
        </aside>
      </Show>
      <footer class="opac-footer">
        <p>{name()}</p>
      </footer>
    </div>
  );
}

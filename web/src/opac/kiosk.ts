import { logoutPatron, patron, startAddress } from './state.ts';

/**
 * 館内OPAC: when nobody has touched the screen for `idleSeconds`, everything of the last patron is
 * cleared — the My Library session (its cookie is HttpOnly, so the core ends it), localStorage,
 * sessionStorage, any cookie this page set, and the in-memory state (the page is loaded afresh) —
 * and the kiosk shows its start page again.
 */
export async function resetKiosk() {
  if (patron()) await logoutPatron();
  try {
    localStorage.clear();
    sessionStorage.clear();
  } catch {
    // storage blocked: nothing was kept there either
  }
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]?.trim();
    // biome-ignore lint/suspicious/noDocumentCookie: expiring cookies by name; the Cookie Store API is not everywhere
    if (name) document.cookie = `${name}=; Max-Age=0; path=/`;
  }
  location.replace(startAddress());
}

function pristine(): boolean {
  let stored = 0;
  try {
    stored = localStorage.length + sessionStorage.length;
  } catch {
    stored = 0;
  }
  const typed = [...document.querySelectorAll('input')].some(
    (i) => (i.type === 'text' || i.type === 'search' || i.type === 'password') && i.value !== '',
  );
  return (
    `${location.pathname}${location.search}` === startAddress() &&
    stored === 0 &&
    !patron() &&
    document.cookie === '' &&
    !typed
  );
}

/** Start the idle timer; any touch, key or typing starts it again. */
export function startIdleReset(idleSeconds: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (pristine()) arm();
      else void resetKiosk();
    }, idleSeconds * 1000);
  };
  for (const ev of ['pointerdown', 'keydown', 'input', 'touchstart', 'wheel'])
    document.addEventListener(ev, arm, { capture: true, passive: true });
  arm();
}

/** No way out of the OPAC: links to anywhere but /opac are refused, new windows are not opened. */
export function lockNavigation(onBlocked: () => void) {
  document.addEventListener(
    'click',
    (e) => {
      const a = (e.target as Element | null)?.closest?.('a');
      if (!a) return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || !url.pathname.startsWith('/opac') || a.target) {
        e.preventDefault();
        e.stopPropagation();
        onBlocked();
      }
    },
    { capture: true },
  );
  window.open = () => null;
  document.addEventListener('contextmenu', (e) => e.preventDefault());
}

import { createEffect, createSignal } from 'solid-js';
import { ApiError, api, call } from '../api/client.ts';
import { pick } from '../i18n/index.ts';

/** The kiosk this page runs on (館内OPAC), from the start address ?kiosk=ID; null on phones and PCs. */
export const kioskId: string | null = (() => {
  const k = new URLSearchParams(location.search).get('kiosk');
  return k && /^[A-Za-z0-9_-]{1,40}$/.test(k) ? k : null;
})();
export const isKiosk = kioskId !== null;

/** The page a kiosk returns to after a patron leaves. */
export const startAddress = () => (kioskId ? `/opac?kiosk=${encodeURIComponent(kioskId)}` : '/opac');

export type Profile = Awaited<ReturnType<typeof fetchProfile>>;
const fetchProfile = () => call(api.my.profile.$get());

/** undefined: not asked yet; null: not logged in. */
const [patron, setPatron] = createSignal<Profile | null | undefined>(undefined);

export { patron, setPatron };

/** Ask the core whether this browser has a My Library session (the cookie is HttpOnly). */
export async function loadPatron(): Promise<Profile | null> {
  try {
    const p = await fetchProfile();
    setPatron(p);
    return p;
  } catch (err) {
    if (err instanceof ApiError && (err.problem.status === 401 || err.problem.code === 'unauthenticated')) {
      setPatron(null);
      return null;
    }
    throw err;
  }
}

export async function logoutPatron() {
  try {
    await call(api.my.logout.$post());
  } catch {
    // already gone: the cookie is cleared either way
  }
  setPatron(null);
}

/** The library the OPAC is for: the installation's default library. */
const [library, setLibrary] = createSignal<{ code: string; nameJa: string; nameEn: string } | null>(null);

export { library };
export async function loadLibrary() {
  const r = await call(api.opac.locations.$get({ query: {} }));
  setLibrary(r.library);
  return r;
}

/** The kiosk's settings as the core has them (null until loaded, or when not a kiosk). */
const [kioskInfo, setKioskInfo] = createSignal<{
  nameJa: string;
  idleSeconds: number;
  canPrint: boolean;
} | null>(null);

export { kioskInfo, setKioskInfo };

/** Pages opened inside this OPAC since it loaded: Back may only go to one of them. */
let inAppNavigations = 0;
export const noteNavigation = () => {
  inAppNavigations++;
};
export const cameFromThisOpac = () => inAppNavigations > 0;

/** Each page names itself in the browser's title (WCAG 2.4.2): "page — library". */
export function usePageTitle(title: () => string) {
  createEffect(() => {
    const l = library();
    document.title = [title(), l ? pick(l.nameJa, l.nameEn) : ''].filter(Boolean).join(' — ');
  });
}

import { createSignal } from 'solid-js';
import { api, call, type Me, setUnauthenticatedHandler } from '../api/client.ts';

/** undefined while the first /auth/me is in flight, null when nobody is logged in. */
const [me, setMe] = createSignal<Me | null | undefined>(undefined);

export { me };

const WORKSTATION_KEY = 'bunko.workstation';

/** The workstation name is per machine, so it is remembered in this browser for the next login. */
export function savedWorkstation(): string {
  try {
    return localStorage.getItem(WORKSTATION_KEY) ?? '';
  } catch {
    return '';
  }
}

function rememberWorkstation(name: string) {
  try {
    if (name) localStorage.setItem(WORKSTATION_KEY, name);
    else localStorage.removeItem(WORKSTATION_KEY);
  } catch {
    // storage blocked: the name is simply asked again next time
  }
}

/** The session's workstation: from the core when /auth/me carries it, else what was typed at login. */
export function workstation(): string | null {
  const m = me() as (Me & { workstation?: string | null }) | null | undefined;
  if (m && typeof m.workstation === 'string') return m.workstation;
  return m ? savedWorkstation() || null : null;
}

setUnauthenticatedHandler(() => setMe(null));

export async function loadSession() {
  try {
    setMe(await call(api.auth.me.$get()));
  } catch {
    setMe(null);
  }
}

export async function logIn(input: {
  tenant: string;
  loginId: string;
  password: string;
  workstation: string;
}) {
  const ws = input.workstation.trim();
  const result = await call(
    api.auth.login.$post({
      json: {
        tenant: input.tenant.trim(),
        loginId: input.loginId.trim(),
        password: input.password,
        ...(ws ? { workstation: ws } : {}),
      },
    }),
  );
  rememberWorkstation(ws);
  setMe(result);
}

export async function logOut() {
  try {
    await call(api.auth.logout.$post());
  } finally {
    setMe(null);
  }
}

export const can = (permission: string) => me()?.permissions.includes(permission) ?? false;

import { createSignal } from 'solid-js';
import { en } from './en.ts';
import { ja, type MessageKey } from './ja.ts';

export type Lang = 'ja' | 'en';
export type { MessageKey };

const STORAGE_KEY = 'bunko.lang';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { ja, en };

function initialLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ja';
  } catch {
    // storage can be blocked (private mode, policy); Japanese is the default anyway
    return 'ja';
  }
}

const [lang, setLangSignal] = createSignal<Lang>(initialLang());
document.documentElement.lang = lang();

export { lang };

export function setLang(next: Lang) {
  setLangSignal(next);
  document.documentElement.lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not persisted; the choice still holds for this page
  }
}

/** Translate a key; `{name}` placeholders are filled from `params`. Reactive: reads the language signal. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[lang()][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Pick the Japanese or English variant of a bilingual value from the server. */
export const pick = (ja: string, en: string) => (lang() === 'en' ? en : ja);

const dateTime: Record<Lang, Intl.DateTimeFormat> = {
  ja: new Intl.DateTimeFormat('ja-JP', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }),
};

/** Times are shown in the library's zone (Japan), whatever the workstation's clock says. */
export const formatDateTime = (iso: string) => dateTime[lang()].format(new Date(iso));
export const formatNumber = (n: number) => n.toLocaleString(lang() === 'en' ? 'en-GB' : 'ja-JP');

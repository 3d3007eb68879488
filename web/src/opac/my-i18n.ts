import { lang } from '../i18n/index.ts';
import { en, ja, type MyxKey } from './my-messages.ts';

export type { MyxKey };

/** Translate a My Library key in the current language; `{name}` placeholders are filled from params. */
export function mt(key: MyxKey, params?: Record<string, string | number>): string {
  const text = (lang() === 'en' ? en : ja)[key];
  return params ? text.replace(/\{(\w+)\}/g, (m, n: string) => (n in params ? String(params[n]) : m)) : text;
}

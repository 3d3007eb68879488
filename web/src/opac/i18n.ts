import { lang } from '../i18n/index.ts';
import { en, ja, type OpacKey } from './opac-messages.ts';

export type { OpacKey };

/** Translate an OPAC key in the current language; `{name}` placeholders are filled from params. */
export function ot(key: OpacKey, params?: Record<string, string | number>): string {
  const text = (lang() === 'en' ? en : ja)[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

import { type Component, For } from 'solid-js';
import { type Lang, lang, setLang, t } from '../../i18n/index.ts';

const LANGS: readonly { code: Lang; label: 'lang.ja' | 'lang.en' }[] = [
  { code: 'ja', label: 'lang.ja' },
  { code: 'en', label: 'lang.en' },
];

/** Two toggle buttons; each names its language in that language, so either reader finds theirs. */
export const LangSwitch: Component = () => (
  // biome-ignore lint/a11y/useSemanticElements: a labelled group of toggle buttons, not a form fieldset
  <div class="lang-switch" role="group" aria-label={t('lang.label')}>
    <For each={LANGS}>
      {(l) => (
        <button type="button" lang={l.code} aria-pressed={lang() === l.code} onClick={() => setLang(l.code)}>
          {t(l.label)}
        </button>
      )}
    </For>
  </div>
);

import { type Component, Show } from 'solid-js';
import type { ProblemInfo } from '../../api/client.ts';
import { lang, t } from '../../i18n/index.ts';

/** The message of a failed request in the current language, with the request id for the help desk. */
export function problemText(p: ProblemInfo): string {
  if (p.code === 'network') return t('error.network');
  const text = lang() === 'en' ? (p.messageEn ?? p.messageJa) : (p.messageJa ?? p.messageEn);
  return text ?? `HTTP ${p.status}`;
}

export const ProblemAlert: Component<{ problem: ProblemInfo | null | undefined }> = (props) => (
  <Show when={props.problem}>
    {(p) => (
      <div class="alert" role="alert">
        <p class="alert-message">{problemText(p())}</p>
        <Show when={p().requestId}>
          <p class="alert-meta">
            {t('error.requestId')}: <code>{p().requestId}</code>
          </p>
        </Show>
      </div>
    )}
  </Show>
);

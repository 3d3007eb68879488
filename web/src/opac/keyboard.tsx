import { createSignal, For, onCleanup, onMount } from 'solid-js';
import { ot } from './i18n.ts';

/** The gojūon grid, row by row (あ row … わ row), then voiced and small kana and the long-vowel mark. */
const HIRAGANA = [
  'あいうえお',
  'かきくけこ',
  'さしすせそ',
  'たちつてと',
  'なにぬねの',
  'はひふへほ',
  'まみむめも',
  'や　ゆ　よ',
  'らりるれろ',
  'わをんー　',
  'がぎぐげご',
  'ざじずぜぞ',
  'だぢづでど',
  'ばびぶべぼ',
  'ぱぴぷぺぽ',
  'ぁぃぅぇぉ',
  'ゃゅょっ　',
];
const ALNUM = ['1234567890', 'QWERTYUIOP', 'ASDFGHJKL-', 'ZXCVBNM.:/'];
const toKatakana = (s: string) =>
  s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));

type Mode = 'hiragana' | 'katakana' | 'alnum';

/**
 * On-screen keyboard for the touch kiosk: types into the text field that last had focus, the way a
 * real keyboard would (an `input` event, so the page's own handlers see it). Buttons never take the
 * focus away from the field.
 */
export function KanaKeyboard() {
  const [mode, setMode] = createSignal<Mode>('hiragana');
  let target: HTMLInputElement | null = null;
  const remember = (e: FocusEvent) => {
    const el = e.target;
    if (el instanceof HTMLInputElement && ['text', 'search', 'password', 'tel'].includes(el.type))
      target = el;
  };
  onMount(() => document.addEventListener('focusin', remember));
  onCleanup(() => document.removeEventListener('focusin', remember));

  const edit = (fn: (v: string) => string) => {
    const el =
      target ??
      (document.querySelector(
        'main input[type="search"], main input[type="text"]',
      ) as HTMLInputElement | null);
    if (!el) return;
    el.value = fn(el.value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.focus();
  };
  const rows = () =>
    mode() === 'alnum' ? ALNUM : mode() === 'katakana' ? HIRAGANA.map(toKatakana) : HIRAGANA;
  const keep = (e: MouseEvent) => e.preventDefault();

  return (
    <section class="kiosk-keyboard" aria-label={ot('kiosk.keyboard')}>
      {/* biome-ignore lint/a11y/useSemanticElements: a labelled group of toggle buttons */}
      <div class="kb-modes" role="group" aria-label={ot('kiosk.keyboard')}>
        <For each={['hiragana', 'katakana', 'alnum'] as const}>
          {(m) => (
            <button type="button" aria-pressed={mode() === m} onMouseDown={keep} onClick={() => setMode(m)}>
              {ot(`kiosk.${m}`)}
            </button>
          )}
        </For>
      </div>
      <div class="kb-grid" classList={{ 'kb-alnum': mode() === 'alnum' }}>
        <For each={rows()}>
          {(row) => (
            <div class="kb-row">
              <For each={[...row]}>
                {(ch) =>
                  ch === '　' ? (
                    <span class="kb-gap" />
                  ) : (
                    <button
                      type="button"
                      class="kb-key"
                      onMouseDown={keep}
                      onClick={() => edit((v) => v + ch)}
                    >
                      {ch}
                    </button>
                  )
                }
              </For>
            </div>
          )}
        </For>
      </div>
      <div class="kb-actions">
        <button type="button" onMouseDown={keep} onClick={() => edit((v) => `${v} `)}>
          {ot('kiosk.space')}
        </button>
        <button type="button" onMouseDown={keep} onClick={() => edit((v) => [...v].slice(0, -1).join(''))}>
          {ot('kiosk.backspace')}
        </button>
        <button type="button" onMouseDown={keep} onClick={() => edit(() => '')}>
          {ot('kiosk.clear')}
        </button>
      </div>
    </section>
  );
}

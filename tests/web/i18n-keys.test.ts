// Every message key the web UI uses exists in Japanese and in English, with the same placeholders,
// and no English text is left in Japanese (except where Japanese is the point: the name 日本語 on the
// language switch, and a search example for the Japanese catalogue; both are shown with lang="ja").
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en as staffEn } from '../../web/src/i18n/en.ts';
import { ja as staffJa } from '../../web/src/i18n/ja.ts';
import { en as myEn, ja as myJa } from '../../web/src/opac/my-messages.ts';
import { en as opacEn, ja as opacJa } from '../../web/src/opac/opac-messages.ts';

type Dict = Record<string, string>;
/** each translate function with its dictionaries */
const DICTIONARIES: Record<string, { ja: Dict; en: Dict }> = {
  t: { ja: staffJa, en: staffEn },
  ot: { ja: opacJa, en: opacEn },
  mt: { ja: myJa, en: myEn },
};
/** English texts that are meant to hold Japanese */
const JAPANESE_ON_PURPOSE = new Set(['t:lang.ja', 'mt:alerts.queryExample']);
const JAPANESE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

const webSrc = join(import.meta.dirname, '../../web/src');
const sources = (readdirSync(webSrc, { recursive: true }) as string[])
  .filter((f) => /\.tsx?$/.test(f))
  .map((f) => ({ file: f, text: readFileSync(join(webSrc, f), 'utf8') }));

/** `t('key'`, `ot('key'`, `mt('key'` in the web sources */
const used = sources.flatMap(({ file, text }) =>
  [...text.matchAll(/(?<![\w.$])(t|ot|mt)\(\s*'([\w.-]+)'/g)].map((m) => ({ file, fn: m[1]!, key: m[2]! })),
);

describe('web UI messages', () => {
  it('finds the keys the pages use (My Library among them)', () => {
    expect(used.length).toBeGreaterThan(300);
    expect(used.filter((u) => u.file.includes('my-extras')).length).toBeGreaterThan(50);
  });

  it('has every used key in both Japanese and English, non-empty', () => {
    const missing = used.flatMap(({ file, fn, key }) =>
      (['ja', 'en'] as const)
        .filter((l) => !DICTIONARIES[fn]![l][key]?.trim())
        .map((l) => `${file}: ${fn}('${key}') has no ${l} text`),
    );
    expect(missing).toEqual([]);
  });

  it.each(Object.entries(DICTIONARIES))('%s: the same keys and placeholders in both languages', (_, d) => {
    expect(Object.keys(d.en).sort()).toEqual(Object.keys(d.ja).sort());
    const differ = Object.keys(d.ja).filter(
      (k) => placeholders(d.ja[k]!).join() !== placeholders(d.en[k] ?? '').join(),
    );
    expect(differ).toEqual([]);
  });

  it('leaves no Japanese in the English texts', () => {
    const untranslated = Object.entries(DICTIONARIES).flatMap(([fn, d]) =>
      Object.entries(d.en)
        .filter(([k, v]) => JAPANESE.test(v) && !JAPANESE_ON_PURPOSE.has(`${fn}:${k}`))
        .map(([k, v]) => `${fn}:${k} = ${v}`),
    );
    expect(untranslated).toEqual([]);
  });
});

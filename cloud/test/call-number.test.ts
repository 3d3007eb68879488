import { describe, expect, it } from 'vitest';
import {
  CallNumberSettings,
  callNumberFor,
  callNumberSettingsFrom,
  DEFAULT_CALL_NUMBER_SETTINGS,
  kanaMark,
} from '../src/domain/catalog/call-number.ts';

const novel = {
  ndc: '913.6',
  authors: [{ name: '高橋 清', reading: 'タカハシ キヨシ' }],
  titleReading: 'ウミ ノ ウタ',
  volume: '上',
  materialType: 'book',
  location: 'main',
};

describe('call numbers from rules held as data', () => {
  it('gives NDC class / first kana of the author reading / volume by default', () => {
    expect(callNumberFor(DEFAULT_CALL_NUMBER_SETTINGS, novel)).toEqual({
      parts: ['913.6', 'タ', '上'],
      text: '913.6/タ/上',
      rule: '一般',
    });
    // no author: the title reading; hiragana readings fold to katakana; small kana to full size
    expect(callNumberFor(DEFAULT_CALL_NUMBER_SETTINGS, { ...novel, authors: [], volume: null }).text).toBe(
      '913.6/ウ',
    );
    expect(
      callNumberFor(DEFAULT_CALL_NUMBER_SETTINGS, { ...novel, authors: [{ name: 'x', reading: 'ぇびす' }] })
        .parts[1],
    ).toBe('エ');
    // a record without NDC gets the rule's fallback class
    expect(callNumberFor(DEFAULT_CALL_NUMBER_SETTINGS, { ...novel, ndc: null }).parts[0]).toBe('0');
  });

  it('files picture books under E', () => {
    expect(
      callNumberFor(DEFAULT_CALL_NUMBER_SETTINGS, {
        ...novel,
        ndc: '726.6',
        materialType: 'picture',
        volume: null,
        authors: [{ name: 'なかがわ りえこ', reading: 'ナカガワ リエコ' }],
      }).text,
    ).toBe('E/ナ');
  });

  it('takes the first matching rule: children’s prefix by location, local materials by NDC, options', () => {
    const settings = CallNumberSettings.parse({
      separator: ' ',
      rules: [
        {
          name: '児童絵本',
          when: { location: ['kids'], materialType: ['picture'] },
          prefix: 'K',
          class: 'E',
        },
        { name: '児童', when: { location: ['kids'] }, prefix: 'K', ndcDecimals: 0 },
        { name: '郷土', when: { ndc: ['219.9', '291.99'] }, prefix: 'L', markLength: 2, volume: false },
        { name: '参考', when: { materialType: ['reference'] }, prefix: 'R', mark: 'none' },
        { name: '一般', markHiragana: true, markPlainKana: true },
      ],
    });
    expect(callNumberFor(settings, { ...novel, location: 'kids', materialType: 'picture' }).text).toBe(
      'K E タ 上',
    );
    expect(callNumberFor(settings, { ...novel, location: 'kids' }).text).toBe('K 913 タ 上');
    expect(callNumberFor(settings, { ...novel, ndc: '219.9' }).text).toBe('L 219.9 タカ');
    expect(callNumberFor(settings, { ...novel, ndc: '219' }).rule).toBe('一般'); // 219 is not under 219.9
    expect(callNumberFor(settings, { ...novel, materialType: 'reference', volume: null }).text).toBe(
      'R 913.6',
    );
    expect(
      callNumberFor(settings, { ...novel, authors: [{ name: '玉城', reading: 'ガジュマル' }], volume: null })
        .text,
    ).toBe('913.6 か');
  });

  it('reads the tenant’s settings, the default when none, and rejects malformed settings', () => {
    expect(callNumberSettingsFrom({})).toBe(DEFAULT_CALL_NUMBER_SETTINGS);
    expect(callNumberSettingsFrom({ callNumbers: { rules: [{ class: 'E' }] } }).rules[0]!.class).toBe('E');
    expect(() => callNumberSettingsFrom({ callNumbers: { rules: [] } })).toThrow();
    expect(() => callNumberSettingsFrom({ callNumbers: { rules: [{ when: { ndc: ['abc'] } }] } })).toThrow();
  });

  it('makes marks from leading kana only', () => {
    expect(kanaMark('  ｷﾑﾗ', 2)).toBe('キム');
    expect(kanaMark('ヴォーン', 1, { plain: true })).toBe('ウ');
    expect(kanaMark('Smith', 1)).toBe('');
    expect(kanaMark('ア・イ', 3)).toBe('ア');
  });
});

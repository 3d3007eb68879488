import { describe, expect, it } from 'vitest';
import { KANJI_VARIANTS } from '../src/domain/catalog/kanji-variants.ts';
import { parseQuery } from '../src/domain/catalog/query-parser.ts';
import {
  bibSearchGrams,
  gramsOf,
  isbnKey,
  normalizeForSearch as n,
  ndcKeys,
  queryGrams,
  SEARCH_INDEX_VERSION,
} from '../src/domain/catalog/search-text.ts';
import { AppError } from '../src/domain/errors.ts';

describe('normalizeForSearch', () => {
  it('folds hiragana, katakana and half-width katakana to one form', () => {
    expect(n('ねこ')).toBe('ネコ');
    expect(n('ネコ')).toBe('ネコ');
    expect(n('ﾈｺ')).toBe('ネコ');
    expect(n('ｶﾞｯｺｳ')).toBe(n('がっこう'));
    expect(n('ゔぁいおりん')).toBe(n('ヴァイオリン'));
  });

  it('makes small kana full size and drops the long-vowel mark, so reading conventions meet', () => {
    expect(n('キャノン')).toBe(n('キヤノン'));
    expect(n('トウキョウ')).toBe(n('トウキヨウ'));
    expect(n('コンピューター')).toBe(n('コンピュータ'));
    expect(n('コンピューター')).toBe(n('コンピユ-タ-')); // old MARC readings write ー as a hyphen
    expect(n('ﾗｰﾒﾝ')).toBe(n('らーめん'));
  });

  it('folds old and variant kanji to their common forms', () => {
    expect(n('舊制高校の圖書館')).toBe(n('旧制高校の図書館'));
    expect(n('國學院')).toBe(n('国学院'));
    expect(n('澤田')).toBe('沢田');
    expect(n('髙橋')).toBe('高橋');
    expect(n('山﨑')).toBe('山崎');
    expect(n('渡邊')).toBe('渡辺');
    expect(n('渡邉')).toBe('渡辺');
    expect(n('齋藤')).toBe(n('斎藤'));
    expect(n('齊藤')).toBe(n('斎藤'));
    expect(n('櫻')).toBe('桜');
    expect(n('龍')).toBe('竜');
    expect(n('𠮷野家')).toBe('吉野家');
  });

  it('has a kanji table without chains (every target is final)', () => {
    for (const [from, to] of KANJI_VARIANTS) {
      expect(from).not.toBe(to);
      expect(KANJI_VARIANTS.has(to), `${from}→${to}→?`).toBe(false);
    }
  });

  it('applies NFKC and lower case, and removes spaces, punctuation and symbols', () => {
    expect(n('ＡＢＣ　１２３')).toBe('abc123');
    expect(n('村上 春樹')).toBe('村上春樹');
    expect(n('「沖縄・八重山」の歴史、入門。')).toBe(n('沖縄八重山の歴史入門'));
    expect(n('Harry Potter and the Philosopher’s Stone')).toBe('harrypotterandthephilosophersstone');
    expect(n('C++入門')).toBe('c++入門');
    expect(n('第Ⅱ部')).toBe('第ii部');
    expect(n('カ゛')).toBe('ガ');
    expect(n('   ')).toBe('');
  });
});

describe('grams', () => {
  it('gives unigrams and bigrams, by code point', () => {
    expect(gramsOf('沖縄の海')).toEqual(['沖', '沖縄', '縄', '縄ノ', 'ノ', 'ノ海', '海']);
    expect(gramsOf('𠮷田', 't:')).toEqual(['t:吉', 't:吉田', 't:田']);
    expect(queryGrams('猫')).toEqual(['猫']);
    expect(queryGrams('沖縄')).toEqual(['沖縄']);
    expect(queryGrams('ヤエヤマ', 't:')).toEqual(['t:ヤエ', 't:エヤ', 't:ヤマ']);
  });

  it('normalises ISBNs to 13 digits and lists NDC prefixes', () => {
    expect(isbnKey('4-06-123456-0')).toBe('9784061234567');
    expect(isbnKey('978-4-06-123456-7')).toBe('9784061234567');
    expect(isbnKey('12345')).toBeNull();
    expect(ndcKeys('913.6')).toEqual(['9', '91', '913', '913.6']);
    expect(ndcKeys('E')).toEqual([]);
  });

  it('indexes a record by field, as keyword, by ISBN and NDC, and keeps the normalised values', () => {
    const g = bibSearchGrams({
      title: 'ねこの本',
      titleReading: 'ネコノホン',
      pubYear: 2019,
      authors: [{ name: '比嘉 太郎', reading: 'ヒガ タロウ' }],
      publisher: '八重山書房',
      subjects: [{ term: '猫', reading: 'ネコ' }],
      isbn: '4061234560',
      ndc: '645.7',
    });
    expect(g[0]).toBe(SEARCH_INDEX_VERSION);
    expect(g).toEqual(
      expect.arrayContaining([
        't=ネコノ本',
        't=ネコノホン',
        'a=比嘉太郎',
        'a=ヒガタロウ',
        'p=八重山書房',
        's=猫',
        't:ネコ',
        'a:比嘉',
        'p:書房',
        's:猫',
        'ネコ',
        '比嘉',
        'i:9784061234567',
        'n:6',
        'n:645.7',
        '~y2019',
        '~r151',
      ]),
    );
    expect(new Set(g).size).toBe(g.length);
    // no bigram across two values: 本 (end of title) + ネ (start of reading)
    expect(g).not.toContain('本ネ');
  });
});

const err = (q: string) => {
  try {
    parseQuery(q);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('validation');
    return (e as AppError).detail!;
  }
  throw new Error(`no error for ${q}`);
};

describe('parseQuery', () => {
  it('reads words (AND), OR, NOT, phrases, fields, prefix and exact matches', () => {
    expect(parseQuery('')).toBeNull();
    expect(parseQuery('ねこ')).toEqual({ kind: 'text', field: 'any', text: 'ネコ', match: 'contains' });
    expect(parseQuery('猫 OR 犬 絵本')).toEqual({
      kind: 'and',
      children: [
        {
          kind: 'or',
          children: [
            { kind: 'text', field: 'any', text: '猫', match: 'contains' },
            { kind: 'text', field: 'any', text: '犬', match: 'contains' },
          ],
        },
        { kind: 'text', field: 'any', text: '絵本', match: 'contains' },
      ],
    });
    expect(parseQuery('沖縄 -料理')).toEqual({
      kind: 'and',
      children: [
        { kind: 'text', field: 'any', text: '沖縄', match: 'contains' },
        { kind: 'not', child: { kind: 'text', field: 'any', text: '料理', match: 'contains' } },
      ],
    });
    expect(parseQuery('沖縄 NOT 料理')).toEqual(parseQuery('沖縄 -料理'));
    expect(parseQuery('"沖縄 の 海"')).toEqual({
      kind: 'text',
      field: 'any',
      text: '沖縄ノ海',
      match: 'contains',
    });
    expect(parseQuery('title:"沖縄 の 海"')).toMatchObject({ field: 'title', text: '沖縄ノ海' });
    expect(parseQuery('著者:比嘉')).toMatchObject({ field: 'author', text: '比嘉' });
    expect(parseQuery('title:うみ*')).toMatchObject({ field: 'title', text: 'ウミ', match: 'prefix' });
    expect(parseQuery('title:=沖縄の海')).toMatchObject({ field: 'title', text: '沖縄ノ海', match: 'exact' });
    expect(parseQuery('title:(猫 OR 犬)')).toMatchObject({
      kind: 'or',
      children: [{ field: 'title', text: '猫' }, { field: 'title' }],
    });
    expect(parseQuery('ｔｉｔｌｅ：猫　ＯＲ　犬')).toMatchObject({ kind: 'or' });
  });

  it('reads ISBN, NDC and year terms, and takes a bare valid ISBN as an ISBN search', () => {
    expect(parseQuery('isbn:4-06-123456-0')).toEqual({ kind: 'isbn', isbn13: '9784061234567' });
    expect(parseQuery('978-4-06-123456-7')).toEqual({ kind: 'isbn', isbn13: '9784061234567' });
    expect(parseQuery('1234567890')).toMatchObject({ kind: 'text' }); // bad check digit: just digits
    expect(parseQuery('ndc:913')).toEqual({ kind: 'ndc', prefix: '913' });
    expect(parseQuery('year:2020')).toEqual({ kind: 'year', from: 2020, to: 2020 });
    expect(parseQuery('year:2010-2020')).toEqual({ kind: 'year', from: 2010, to: 2020 });
    expect(parseQuery('year:2010-')).toEqual({ kind: 'year', from: 2010, to: null });
    expect(parseQuery('year:-1990')).toEqual({ kind: 'year', from: null, to: 1990 });
  });

  it('refuses malformed queries with a reason in Japanese and English', () => {
    expect(err('"沖縄')).toContain('quotation mark is not closed');
    expect(err('(猫 OR 犬')).toContain('"(" is not closed');
    expect(err('猫)')).toContain('no matching "("');
    expect(err('猫 OR')).toContain('OR needs a term');
    expect(err('OR 猫')).toContain('OR needs a term');
    expect(err('沖縄 NOT')).toContain('NOT (or "-") needs a term');
    expect(err('-猫')).toContain('not only terms to exclude');
    expect(err('title:')).toContain('needs a value');
    expect(err('titel:猫')).toContain('unknown field "titel:"');
    expect(err('year:20x0')).toContain('year:');
    expect(err('year:2020-2010')).toContain('runs backwards');
    expect(err('isbn:12345')).toContain('10 or 13 digits');
    expect(err('ndc:abc')).toContain('ndc:');
    expect(err('・ ー')).toContain('no searchable characters');
    expect(err(Array.from({ length: 21 }, (_, i) => `w${i}`).join(' '))).toContain('at most 20 terms');
    expect(err('"沖縄')).toContain('引用符');
  });

  it('keeps a colon inside a word that is no field name, and quoted field-like text', () => {
    expect(parseQuery('"titel:猫"')).toMatchObject({ kind: 'text', text: 'titel猫' });
    expect(parseQuery('沖縄:歴史')).toMatchObject({ kind: 'text', text: '沖縄歴史' });
  });
});

import { AppError } from '../errors.ts';
import { isbnKey, normalizeForSearch, type SearchField } from './search-text.ts';

/**
 * The catalogue query language (staff search and OPAC alike):
 *
 *   沖縄 海            both words (AND), anywhere in title, reading, author, publisher, subject
 *   猫 OR 犬           either (also "|"); OR binds tighter than AND: 猫 OR 犬 絵本 = (猫 OR 犬) AND 絵本
 *   -猫, NOT 猫        without
 *   "沖縄 の 海"        the words together, in this order
 *   title:海 author:比嘉 publisher:… subject:…   one field (also 書名: 著者: 出版者: 件名:)
 *   title:=沖縄の海     the whole title is exactly this (完全一致)
 *   title:ウミ*        a title (or reading) that begins with ウミ (前方一致)
 *   isbn:4-06-123456-7 ISBN-10 or -13, hyphens allowed; finds the record whichever form it carries
 *   ndc:913            NDC class and its subdivisions (913, 913.6 …)
 *   year:2020, year:2010-2020, year:2010-, year:-1990
 *   ( … )              grouping; title:(猫 OR 犬)
 *
 * Words are compared after normalizeForSearch, so ねこ finds ネコ and 國 finds 国.
 */

export type Match = 'contains' | 'prefix' | 'exact';
export type TextTerm = { kind: 'text'; field: SearchField | 'any'; text: string; match: Match };
export type QueryNode =
  | TextTerm
  | { kind: 'isbn'; isbn13: string }
  | { kind: 'ndc'; prefix: string }
  | { kind: 'year'; from: number | null; to: number | null }
  | { kind: 'and'; children: QueryNode[] }
  | { kind: 'or'; children: QueryNode[] }
  | { kind: 'not'; child: QueryNode };

const FIELDS: Record<string, SearchField | 'any' | 'isbn' | 'ndc' | 'year'> = {
  any: 'any',
  keyword: 'any',
  kw: 'any',
  title: 'title',
  ti: 'title',
  書名: 'title',
  タイトル: 'title',
  author: 'author',
  au: 'author',
  著者: 'author',
  著者名: 'author',
  publisher: 'publisher',
  pub: 'publisher',
  出版者: 'publisher',
  出版社: 'publisher',
  subject: 'subject',
  su: 'subject',
  件名: 'subject',
  isbn: 'isbn',
  ndc: 'ndc',
  分類: 'ndc',
  year: 'year',
  出版年: 'year',
};

export const MAX_TERMS = 20;

type Token =
  | { t: 'word'; v: string; quoted: boolean; field?: string; exact?: boolean }
  | { t: 'fieldGroup'; field: string }
  | { t: '(' }
  | { t: ')' }
  | { t: 'OR' }
  | { t: 'NOT' };

export class QuerySyntaxError extends AppError {
  constructor(messageEn: string, messageJa: string) {
    super('validation', `${messageJa} / ${messageEn}`, [
      { path: 'q', message: `${messageJa} / ${messageEn}` },
    ]);
  }
}

const isSpace = (ch: string) => /\s/.test(ch);

function tokenize(input: string): Token[] {
  // NFKC first so full-width syntax (：（）＂－ＯＲ and the ideographic space) works like ASCII;
  // typographic quotes count as quotes.
  const s = input.normalize('NFKC').replace(/[“”]/g, '"');
  const out: Token[] = [];
  let i = 0;
  const readQuoted = (): string => {
    const end = s.indexOf('"', i + 1);
    if (end < 0) throw new QuerySyntaxError('a quotation mark is not closed', '引用符 " が閉じていません');
    const v = s.slice(i + 1, end);
    i = end + 1;
    return v;
  };
  while (i < s.length) {
    const ch = s[i]!;
    if (isSpace(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      out.push({ t: ch });
      i++;
    } else if (ch === '|') {
      out.push({ t: 'OR' });
      i++;
    } else if (ch === '"') {
      out.push({ t: 'word', v: readQuoted(), quoted: true });
    } else {
      if (ch === '-' && i + 1 < s.length && !isSpace(s[i + 1]!) && out.at(-1)?.t !== 'NOT') {
        out.push({ t: 'NOT' });
        i++;
        continue;
      }
      let j = i;
      while (j < s.length && !isSpace(s[j]!) && !'()"|'.includes(s[j]!)) j++;
      const word = s.slice(i, j);
      i = j;
      const colon = word.indexOf(':');
      if (colon > 0) {
        const name = word.slice(0, colon).toLowerCase();
        let rest = word.slice(colon + 1);
        if (!(name in FIELDS)) {
          if (/^[a-z]+$/.test(name))
            throw new QuerySyntaxError(
              `unknown field "${name}:" (known: title, author, publisher, subject, isbn, ndc, year); put the term in quotes to search for it as text`,
              `「${name}:」という項目はありません(title, author, publisher, subject, isbn, ndc, year)。文字として探すときは " で囲んでください`,
            );
          out.push({ t: 'word', v: word, quoted: false });
          continue;
        }
        const exact = rest.startsWith('=');
        if (exact) rest = rest.slice(1);
        if (rest === '' && s[i] === '"') {
          out.push({ t: 'word', v: readQuoted(), quoted: true, field: name, exact });
        } else if (rest === '' && s[i] === '(' && !exact) {
          out.push({ t: 'fieldGroup', field: name });
        } else if (rest === '') {
          throw new QuerySyntaxError(`"${name}:" needs a value`, `「${name}:」の後に検索語がありません`);
        } else {
          out.push({ t: 'word', v: rest, quoted: false, field: name, exact });
        }
        continue;
      }
      if (word === 'OR') out.push({ t: 'OR' });
      else if (word === 'NOT') out.push({ t: 'NOT' });
      else if (word === 'AND') continue;
      else out.push({ t: 'word', v: word, quoted: false });
    }
  }
  return out;
}

function parseYear(v: string): QueryNode {
  const m = /^(\d{4})?(?:(-)(\d{4})?)?$/.exec(v);
  if (!m || (!m[1] && !m[3]) || (m[2] && !m[1] && !m[3]))
    throw new QuerySyntaxError(
      `year: expects a year or a range such as year:2020 or year:2010-2020, not "${v}"`,
      `year: には 2020 や 2010-2020 のように年を書いてください(「${v}」)`,
    );
  const from = m[1] ? Number(m[1]) : null;
  const to = m[2] ? (m[3] ? Number(m[3]) : null) : from;
  if (from !== null && to !== null && from > to)
    throw new QuerySyntaxError(`year range ${v} runs backwards`, `出版年の範囲 ${v} が逆です`);
  return { kind: 'year', from, to };
}

function termFor(tok: Extract<Token, { t: 'word' }>, defaultField: string | undefined): QueryNode | null {
  const fieldName = tok.field ?? defaultField;
  const field = fieldName ? FIELDS[fieldName]! : 'any';
  if (field === 'year') return parseYear(tok.v);
  if (field === 'isbn') {
    const key = isbnKey(tok.v);
    if (!key)
      throw new QuerySyntaxError(
        `isbn: expects 10 or 13 digits (hyphens allowed), not "${tok.v}"`,
        `isbn: には10桁または13桁のISBNを書いてください(「${tok.v}」)`,
      );
    return { kind: 'isbn', isbn13: key };
  }
  if (field === 'ndc') {
    const v = tok.v.replace(/\*$/, '').replace(/\.$/, '');
    if (!/^\d{1,3}(\.\d+)?$/.test(v))
      throw new QuerySyntaxError(
        `ndc: expects a class such as 9, 91, 913 or 913.6, not "${tok.v}"`,
        `ndc: には 913 や 913.6 のように分類記号を書いてください(「${tok.v}」)`,
      );
    return { kind: 'ndc', prefix: v };
  }
  let raw = tok.v;
  let match: TextTerm['match'] = tok.exact ? 'exact' : 'contains';
  if (!tok.quoted && !tok.exact && raw.length > 1 && raw.endsWith('*')) {
    raw = raw.slice(0, -1);
    match = 'prefix';
  }
  // a bare ISBN (valid check character) is an ISBN search
  if (!tok.field && !defaultField && !tok.quoted && /^[\d-]{9,17}[\dXx]$/.test(raw)) {
    const digits = raw.replace(/-/g, '').toUpperCase();
    const key = isbnKey(digits);
    if (key && validIsbn(digits)) return { kind: 'isbn', isbn13: key };
  }
  const text = normalizeForSearch(raw);
  if (!text) return null;
  return { kind: 'text', field, text, match };
}

function validIsbn(digits: string): boolean {
  if (digits.length === 13) {
    const sum = [...digits].reduce((a, d, i) => a + Number(d) * (i % 2 ? 3 : 1), 0);
    return sum % 10 === 0;
  }
  const sum = [...digits.toUpperCase()].reduce((a, d, i) => a + (d === 'X' ? 10 : Number(d)) * (10 - i), 0);
  return sum % 11 === 0;
}

/** Parse a query; an empty query gives null (browse everything). Malformed input: QuerySyntaxError. */
export function parseQuery(input: string): QueryNode | null {
  const tokens = tokenize(input);
  let pos = 0;
  let terms = 0;
  let dropped = 0;

  const parseSequence = (field: string | undefined, inGroup: boolean): QueryNode | null => {
    const children: QueryNode[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos]!;
      if (tok.t === ')') {
        if (!inGroup)
          throw new QuerySyntaxError('a ")" has no matching "("', '対応する「(」のない「)」があります');
        break;
      }
      if (tok.t === 'OR')
        throw new QuerySyntaxError('OR needs a term on both sides', 'OR の前後に検索語が必要です');
      const node = parseOr(field);
      if (node) children.push(node);
    }
    if (children.length === 0) return null;
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  };

  const parseOr = (field: string | undefined): QueryNode | null => {
    const alternatives: (QueryNode | null)[] = [parseUnary(field)];
    while (tokens[pos]?.t === 'OR') {
      pos++;
      if (pos >= tokens.length || tokens[pos]!.t === ')' || tokens[pos]!.t === 'OR')
        throw new QuerySyntaxError('OR needs a term on both sides', 'OR の前後に検索語が必要です');
      alternatives.push(parseUnary(field));
    }
    const kept = alternatives.filter((a): a is QueryNode => a !== null);
    if (kept.length === 0) return null;
    return kept.length === 1 ? kept[0]! : { kind: 'or', children: kept };
  };

  const parseUnary = (field: string | undefined): QueryNode | null => {
    const tok = tokens[pos];
    if (tok?.t === 'NOT') {
      pos++;
      const next = tokens[pos];
      if (!next || next.t === ')' || next.t === 'OR' || next.t === 'NOT')
        throw new QuerySyntaxError(
          'NOT (or "-") needs a term after it',
          'NOT(または -)の後に検索語が必要です',
        );
      const child = parseUnary(field);
      return child ? { kind: 'not', child } : null;
    }
    return parsePrimary(field);
  };

  const parsePrimary = (field: string | undefined): QueryNode | null => {
    const tok = tokens[pos++]!;
    if (tok.t === '(' || tok.t === 'fieldGroup') {
      if (tok.t === 'fieldGroup') pos++; // the "(" after "title:"
      const inner = parseSequence(tok.t === 'fieldGroup' ? tok.field : field, true);
      if (tokens[pos]?.t !== ')') throw new QuerySyntaxError('a "(" is not closed', '「(」が閉じていません');
      pos++;
      return inner;
    }
    if (tok.t !== 'word') throw new QuerySyntaxError('unexpected operator', '演算子の位置が正しくありません');
    if (++terms > MAX_TERMS)
      throw new QuerySyntaxError(`at most ${MAX_TERMS} terms`, `検索語は${MAX_TERMS}個までです`);
    const node = termFor(tok, field);
    if (!node) dropped++;
    return node;
  };

  const root = parseSequence(undefined, false);
  if (pos < tokens.length)
    throw new QuerySyntaxError('a ")" has no matching "("', '対応する「(」のない「)」があります');
  if (!root) {
    if (dropped > 0)
      throw new QuerySyntaxError('the query has no searchable characters', '検索できる文字がありません');
    return null;
  }
  if (!hasPositive(root))
    throw new QuerySyntaxError(
      'a query needs at least one term to find, not only terms to exclude',
      '除外する語だけでは検索できません。探す語を入れてください',
    );
  return root;
}

/** Whether a node can match without relying on the whole collection (not only NOTs). */
function hasPositive(node: QueryNode): boolean {
  switch (node.kind) {
    case 'not':
      return false;
    case 'and':
      return node.children.some(hasPositive);
    case 'or':
      return node.children.every(hasPositive);
    default:
      return true;
  }
}

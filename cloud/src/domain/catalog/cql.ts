/**
 * A CQL 1.2 subset for SRU, translated into our own query language (query-parser.ts) so both go
 * through one search: indexes title / author / isbn / anywhere (and publisher, subject, date),
 * relations = == adj all any, booleans and / or / not, parentheses.
 */

export class CqlError extends Error {
  constructor(
    /** SRU diagnostic number (info:srw/diagnostic/1/N) */
    readonly diagnostic: number,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

const INDEXES: Record<string, string> = {
  'cql.anywhere': 'any',
  'cql.serverchoice': 'any',
  'cql.keywords': 'any',
  anywhere: 'any',
  serverchoice: 'any',
  'dc.title': 'title',
  title: 'title',
  'dc.creator': 'author',
  'dc.author': 'author',
  creator: 'author',
  author: 'author',
  'bath.isbn': 'isbn',
  'dc.identifier': 'isbn',
  isbn: 'isbn',
  'dc.publisher': 'publisher',
  publisher: 'publisher',
  'dc.subject': 'subject',
  subject: 'subject',
  'dc.date': 'year',
  date: 'year',
};
const RELATIONS = new Set(['=', '==', 'adj', 'all', 'any', 'exact']);

type Tok = { kind: 'word' | 'quoted' | '(' | ')' | 'rel'; v: string };

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (/\s/.test(ch)) i++;
    else if (ch === '(' || ch === ')') {
      out.push({ kind: ch, v: ch });
      i++;
    } else if (ch === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i++];
      }
      if (i >= s.length) throw new CqlError(10, 'Query syntax error', 'unterminated quoted string');
      i++;
      out.push({ kind: 'quoted', v });
    } else if ('=<>'.includes(ch)) {
      const m = /^(==|<>|<=|>=|=|<|>)/.exec(s.slice(i))!;
      out.push({ kind: 'rel', v: m[0] });
      i += m[0].length;
    } else {
      let j = i;
      while (j < s.length && !/[\s()"=<>]/.test(s[j]!)) j++;
      out.push({ kind: 'word', v: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/** Terms go inside our quotes; a quote in a term would end them, and normalisation drops it anyway. */
const clean = (t: string) => t.replace(/"/g, ' ').trim();

function clause(index: string, relation: string, term: string): string {
  const field = INDEXES[index.toLowerCase()];
  if (!field) throw new CqlError(16, 'Unsupported index', index);
  const rel = relation.toLowerCase();
  if (!RELATIONS.has(rel)) throw new CqlError(19, 'Unsupported relation', relation);
  const t = clean(term);
  if (!t) throw new CqlError(27, 'Empty term unsupported');
  if (field === 'isbn' || field === 'year') return `${field}:${t.replace(/\s+/g, '')}`;
  // a bare ISBN anywhere is an ISBN search (the query parser recognises it unquoted)
  if (field === 'any' && /^[\dXx-]+$/.test(t)) return t;
  const prefix = field === 'any' ? '' : `${field}:`;
  if (rel === '==' || rel === 'exact') return `${prefix}="${t}"`;
  const words = t.split(/\s+/);
  if (rel === 'all' && words.length > 1) return `(${words.map((w) => `${prefix}"${w}"`).join(' ')})`;
  if (rel === 'any' && words.length > 1) return `(${words.map((w) => `${prefix}"${w}"`).join(' OR ')})`;
  return `${prefix}"${t}"`;
}

/** CQL → our query language. Throws CqlError carrying the SRU diagnostic to answer with. */
export function cqlToQuery(cql: string): string {
  const toks = lex(cql);
  let pos = 0;
  const boolOf = (t: Tok | undefined) =>
    t?.kind === 'word' && ['and', 'or', 'not', 'prox'].includes(t.v.toLowerCase()) ? t.v.toLowerCase() : null;

  const searchClause = (): string => {
    const t = toks[pos++];
    if (!t) throw new CqlError(10, 'Query syntax error', 'a search term is missing');
    if (t.kind === '(') {
      const inner = scoped();
      if (toks[pos++]?.kind !== ')') throw new CqlError(13, 'Invalid or unsupported use of parentheses');
      return `(${inner})`;
    }
    if (t.kind === ')' || t.kind === 'rel') throw new CqlError(10, 'Query syntax error', `unexpected ${t.v}`);
    const next = toks[pos];
    const relWord =
      next?.kind === 'word' && RELATIONS.has(next.v.toLowerCase()) && toks[pos + 1] && !boolOf(next);
    if (t.kind === 'word' && (next?.kind === 'rel' || relWord)) {
      pos++;
      const term = toks[pos++];
      if (!term || (term.kind !== 'word' && term.kind !== 'quoted'))
        throw new CqlError(10, 'Query syntax error', 'a term must follow the relation');
      return clause(t.v, next!.v, term.v);
    }
    return clause('cql.serverChoice', '=', t.v);
  };

  const scoped = (): string => {
    let left = searchClause();
    for (let op = boolOf(toks[pos]); op; op = boolOf(toks[pos])) {
      pos++;
      if (op === 'prox') throw new CqlError(37, 'Unsupported boolean operator', 'prox');
      const right = searchClause();
      left =
        op === 'and' ? `${left} ${right}` : op === 'or' ? `(${left}) OR (${right})` : `${left} -(${right})`;
    }
    return left;
  };

  if (toks.length === 0) throw new CqlError(10, 'Query syntax error', 'empty query');
  const q = scoped();
  if (pos < toks.length) throw new CqlError(10, 'Query syntax error', `unexpected ${toks[pos]!.v}`);
  return q;
}

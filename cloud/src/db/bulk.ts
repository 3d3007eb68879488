import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

/**
 * Bulk insert through `insert … select … from unnest($1, $2, …)`: one parameter per column, not
 * per cell, so a batch of any size stays far below PostgreSQL's 65,535-parameter limit and the
 * statement text is the same for every batch. Each column travels as one text parameter holding
 * a PostgreSQL array literal (both drivers pass text unchanged), cast on the server.
 */
export type ColumnType = 'uuid' | 'text' | 'int' | 'bool' | 'date' | 'timestamptz' | 'jsonb' | 'text[]';
export type Cell = string | number | boolean | null | undefined | readonly string[] | object;

const quote = (s: string) =>
  s.includes('"') || s.includes('\\') ? `"${s.replace(/[\\"]/g, '\\$&')}"` : `"${s}"`;

/** a one-dimensional PostgreSQL array literal: {"a","b",NULL} */
export function arrayLiteral(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i) out += ',';
    const v = values[i];
    out += v === null || v === undefined ? 'NULL' : quote(v);
  }
  return `${out}}`;
}

function encode(v: Cell, type: ColumnType): string | null {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'jsonb':
      return JSON.stringify(v);
    case 'text[]':
      return arrayLiteral(v as readonly string[]);
    case 'bool':
      return v ? 't' : 'f';
    default:
      return String(v);
  }
}

/** element type inside unnest: array-valued and json cells go through text */
const elementType = (t: ColumnType) => (t === 'jsonb' || t === 'text[]' ? 'text' : t);

export type Columns = readonly (readonly [column: string, type: ColumnType])[];

export function unnestInsert(table: string, columns: Columns, rows: readonly (readonly Cell[])[]): SQL {
  const names = columns.map(([c]) => `"${c}"`).join(', ');
  const aliases = columns.map((_, i) => `c${i}`);
  const select = columns
    .map(([, t], i) => (t === 'jsonb' || t === 'text[]' ? `c${i}::${t}` : `c${i}`))
    .join(', ');
  const params = columns.map(([, type], i) => {
    const cells: (string | null)[] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) cells[r] = encode(rows[r]![i], type);
    return sql`${arrayLiteral(cells)}::text::${sql.raw(elementType(type))}[]`;
  });
  return sql`insert into ${sql.raw(`"${table}"`)} (${sql.raw(names)}) select ${sql.raw(select)} from unnest(${sql.join(params, sql`, `)}) as t(${sql.raw(aliases.join(', '))})`;
}

/** Insert rows in batches of `batch`, one statement per batch. */
export async function bulkInsert(
  db: DbOrTx,
  table: string,
  columns: Columns,
  rows: readonly (readonly Cell[])[],
  batch = 5000,
): Promise<number> {
  for (let i = 0; i < rows.length; i += batch) {
    await db.execute(unnestInsert(table, columns, rows.slice(i, i + batch)));
  }
  return rows.length;
}

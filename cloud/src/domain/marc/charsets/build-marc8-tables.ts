/**
 * Regenerates `marc8.json`, the MARC-8 → Unicode tables the MARC-8 decoder reads, from the code
 * tables shipped in the npm package `marc8` (0.0.4, Apache-2.0, lib/marc8_mapping.js; its data is
 * the Library of Congress MARC-8 code tables as carried by pymarc). Nothing is typed by hand except
 * the three later LC revisions listed in LC_REVISIONS.
 *
 *   mkdir /tmp/m8 && cd /tmp/m8 && npm pack marc8@0.0.4 && tar xzf marc8-0.0.4.tgz
 *   node --import tsx cloud/src/domain/marc/charsets/build-marc8-tables.ts /tmp/m8/package
 */

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

type Mapping = {
  CODESETS: Record<number, Record<number, [number, number]>>;
  ODD_MAP: Record<number, number>;
};

/**
 * Changes LC made to the ANSEL table after the package's copy was taken: June 2004 added the
 * eszett (C7) and the euro sign (C8); March 2005 moved alif (AE) from U+02BE to U+02BC.
 */
const LC_REVISIONS: Record<number, [number, number]> = { 199: [0xdf, 0], 200: [0x20ac, 0], 174: [0x2bc, 0] };

const hex = (n: number) => n.toString(16);

/** Runs of consecutive codes: "code:v,v,+v …", a "+" marking a combining character. */
export function encodeSet(entries: Map<number, [number, number]>): string {
  const codes = [...entries.keys()].sort((a, b) => a - b);
  const runs: string[] = [];
  let run: string[] = [];
  let prev = -2;
  for (const code of codes) {
    const [ucs, combining] = entries.get(code)!;
    const v = (combining ? '+' : '') + hex(ucs);
    if (code === prev + 1) run.push(v);
    else {
      if (run.length > 0) runs.push(run.join(','));
      run = [`${hex(code)}:${v}`];
    }
    prev = code;
  }
  if (run.length > 0) runs.push(run.join(','));
  return runs.join(' ');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pkg = process.argv[2];
  if (!pkg) throw new Error('usage: build-marc8-tables.ts DIR_OF_UNPACKED_marc8_PACKAGE');
  const require = createRequire(import.meta.url);
  const { CODESETS, ODD_MAP } = require(join(pkg, 'lib/marc8_mapping.js')) as Mapping;
  const sets: Record<string, string> = {};
  for (const [final, table] of Object.entries(CODESETS)) {
    const entries = new Map(Object.entries(table).map(([k, v]) => [Number(k), v] as const));
    // Basic Latin lists ESC and the MARC delimiters; they are controls, never looked up.
    if (Number(final) === 0x42) for (const c of [0x1b, 0x1d, 0x1e, 0x1f, 0x20]) entries.delete(c);
    if (Number(final) === 0x45) for (const [k, v] of Object.entries(LC_REVISIONS)) entries.set(Number(k), v);
    if (Number(final) === 0x31) for (const [k, v] of Object.entries(ODD_MAP)) entries.set(Number(k), [v, 0]);
    sets[hex(Number(final))] = encodeSet(entries);
  }
  const out = {
    source:
      'npm marc8@0.0.4 lib/marc8_mapping.js (Apache-2.0, Dazhi Jiao; LC MARC-8 code tables via pymarc) + LC revisions 2004/2005 to ANSEL C7, C8, AE',
    sets,
  };
  writeFileSync(join(import.meta.dirname, 'marc8.json'), `${JSON.stringify(out, null, 2)}\n`);
}

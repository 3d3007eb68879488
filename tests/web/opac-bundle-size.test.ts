// The WebOPAC is opened on phones over mobile networks: what its first page loads (opac.html's
// scripts, stylesheets and module preloads in the production build), gzipped, stays within a budget.
// A size, not a timing: the same build gives the same figure on any machine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild, webRoot } from '../e2e/web-build.ts';

/** gzipped bytes the OPAC's entry may load (README: WebOPAC). */
const OPAC_ENTRY_BUDGET = 80 * 1024;

/** The files opac.html loads before the first page can show: scripts, stylesheets, module preloads. */
function entryFiles(html: string): string[] {
  const tags = html.match(/<(?:script|link)\b[^>]*>/g) ?? [];
  const files = new Set<string>();
  for (const tag of tags) {
    const isScript = tag.startsWith('<script');
    const rel = /\brel="([^"]+)"/.exec(tag)?.[1];
    if (!isScript && rel !== 'stylesheet' && rel !== 'modulepreload') continue;
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if (url?.startsWith('/assets/')) files.add(url);
  }
  return [...files];
}

describe('WebOPAC entry size', () => {
  beforeAll(async () => {
    await ensureWebBuild();
  });

  it(`loads at most ${OPAC_ENTRY_BUDGET / 1024} KB gzipped before its first page`, () => {
    const html = readFileSync(join(webRoot, 'opac.html'), 'utf8');
    const files = entryFiles(html);
    // the entry script and its stylesheet at least; anything else it preloads counts too
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(files.some((f) => f.endsWith('.css'))).toBe(true);
    const sizes = files.map((f) => {
      const raw = readFileSync(join(webRoot, f));
      return { file: f, raw: raw.length, gzip: gzipSync(raw).length };
    });
    const total = sizes.reduce((n, s) => n + s.gzip, Buffer.byteLength(gzipSync(html)));
    console.log(
      `WebOPAC entry: ${(total / 1024).toFixed(1)} KB gzipped (budget ${OPAC_ENTRY_BUDGET / 1024} KB)\n` +
        sizes.map((s) => `  ${s.file} ${s.raw} B → ${s.gzip} B`).join('\n'),
    );
    expect(total).toBeLessThanOrEqual(OPAC_ENTRY_BUDGET);
  });
});

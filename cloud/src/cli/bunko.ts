#!/usr/bin/env -S node --import tsx
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, realpathSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { tenants } from '../db/schema/index.ts';
import { systemCtx } from '../domain/context.ts';
import { AppError } from '../domain/errors.ts';
import { exportMarc } from '../domain/marc/export-marc.ts';
import { importMarc, type MarcFormat } from '../domain/marc/import-marc.ts';

/** The operator's command line: `bunko marc import FILE --tenant CODE`, `bunko marc export --tenant CODE`. */

const USAGE = `usage:
  bunko marc import FILE --tenant CODE [--format iso2709|marcxml] [--mapping marc21|trc|unimarc|NAME]
                    [--encoding cp866|utf-8|…] [--json]
  bunko marc export --tenant CODE [--format iso2709|marcxml] [--out FILE]

Without --mapping the first record decides: UNIMARC (100 and 200, no 245) or MARC 21. --encoding names
the file's character set when its records cannot (MARC 21 reads Ldr/09, UNIMARC 100 $a/26-29).
Each rejected record and each warning (a record imported with something left out) is listed.

Uses the same database as the core (DATABASE_URL, or embedded PGlite in BUNKO_DATA_DIR — stop the
core first: embedded PGlite allows one process at a time).
exit status: 0 done, 1 some records rejected, 2 usage or configuration error`;

export class UsageError extends Error {}

const formatOf = (value: string | undefined, file?: string): MarcFormat => {
  if (value === undefined) return file && /\.(xml|mrx)$/i.test(file) ? 'marcxml' : 'iso2709';
  if (value === 'iso2709' || value === 'marcxml') return value;
  throw new UsageError(`--format must be iso2709 or marcxml, not "${value}"`);
};

/** Run one command; returns the exit status. Output streams are passed in so tests can capture them. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: { out: Writable; err: Writable } = { out: process.stdout, err: process.stderr },
): Promise<number> {
  let database: Database | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        format: { type: 'string' },
        mapping: { type: 'string' },
        encoding: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out.write(`${USAGE}\n`);
      return 0;
    }
    const [area, verb, file] = positionals;
    if (area !== 'marc' || (verb !== 'import' && verb !== 'export')) throw new UsageError('unknown command');
    if (!values.tenant) throw new UsageError('--tenant CODE is required');
    if (verb === 'import' && !file) throw new UsageError('the file to import is required');
    if (verb === 'import' && file && !existsSync(file)) throw new UsageError(`no such file: ${file}`);
    const format = formatOf(values.format, file);

    const config = loadConfig(env);
    database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir });
    const [tenant] = await database.db.select().from(tenants).where(eq(tenants.code, values.tenant));
    if (!tenant) throw new UsageError(`no library with code "${values.tenant}"`);
    const ctx = systemCtx(database.db, tenant.id, `cli:marc-${verb}`);

    if (verb === 'import') {
      const started = performance.now();
      const report = await importMarc(ctx, {
        source: createReadStream(file!),
        format,
        ...(values.mapping ? { mapping: values.mapping } : {}),
        ...(values.encoding ? { encoding: values.encoding } : {}),
        progressEvery: 500,
        onProgress: (p) =>
          io.err.write(
            `${p.processed} records: ${p.created} new, ${p.updated} updated, ${p.unchanged} unchanged, ${p.rejected} rejected\n`,
          ),
      });
      const seconds = (performance.now() - started) / 1000;
      if (values.json) io.out.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        io.out.write(
          `${file}: ${report.processed} records (${report.format}, mapping ${report.mapping}) in ${seconds.toFixed(1)} s\n` +
            `  created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected}\n`,
        );
        for (const r of report.rejections)
          io.out.write(`  rejected record ${r.position} (byte ${r.offset}): ${r.reason}\n`);
        for (const w of report.warnings) io.out.write(`  warning, record ${w.position}: ${w.message}\n`);
      }
      return report.rejected > 0 ? 1 : 0;
    }

    const { records, chunks } = await exportMarc(ctx, { format });
    const target: Writable = values.out ? createWriteStream(values.out) : io.out;
    for await (const chunk of chunks) if (!target.write(chunk)) await once(target, 'drain');
    if (values.out) {
      target.end();
      await once(target, 'finish');
    }
    io.err.write(`exported ${records} records (${format})${values.out ? ` to ${values.out}` : ''}\n`);
    return 0;
  } catch (e) {
    if (
      e instanceof UsageError ||
      e instanceof ConfigError ||
      (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err.write(`bunko: ${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof AppError && e.code === 'validation') {
      io.err.write(`bunko: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    await database?.close();
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runCli(process.argv.slice(2), process.env);
}

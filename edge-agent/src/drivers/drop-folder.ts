import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DropFolderTransfer } from '@bunko/firmware-config';
import { type HandheldRead, readHandheldFile } from '@bunko/firmware-config/handheld-file';
import { type FSWatcher, watch } from 'chokidar';
import type { Logger } from 'pino';
import type { ScannerHandlers, ScannerSource } from './scanner-types.ts';

/** Subfolders of a drop folder: files the core has counted, and files it refused. */
export const PROCESSED_DIR = 'processed';
export const REJECTED_DIR = 'rejected';

export type DropFolderOptions = { path: string; settleMs: number };

/** `*.csv` → a case-insensitive regular expression for whole file names. */
export function filePatternRegex(pattern: string): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * A watched drop folder for mass-storage / CSV handheld terminals. A file is taken only once it is
 * fully written: its size must stay unchanged for `settleMs` (a terminal's transfer utility or a
 * copy over SMB writes in pieces). Each file becomes one batch via `onFile`, which resolves once the
 * batch is stored durably; the file stays where it is until the core has acknowledged the batch, and
 * is then moved to `processed/` (see `moveAside`). Files already there at start are taken too — a
 * file whose batch is still in the outbox gives the same batch id and is not stored twice.
 */
export class DropFolderSource implements ScannerSource {
  readonly transport = 'dropFolder';
  private watcher: FSWatcher | undefined;
  private readonly pattern: RegExp;
  private readonly dir: string;

  constructor(
    private readonly options: DropFolderOptions,
    private readonly transfer: DropFolderTransfer,
    private readonly deviceId: string,
    private readonly log: Logger,
    private readonly onFile: (read: HandheldRead, path: string) => Promise<unknown>,
  ) {
    this.pattern = filePatternRegex(transfer.filePattern);
    this.dir = resolve(options.path);
  }

  async open(on: ScannerHandlers): Promise<void> {
    const s = await stat(this.dir); // a missing folder fails the open (the runner retries)
    if (!s.isDirectory()) throw new Error(`${this.dir} is not a folder`);
    const watcher = watch(this.dir, {
      depth: 0,
      ignoreInitial: false,
      awaitWriteFinish: {
        stabilityThreshold: this.options.settleMs,
        pollInterval: Math.max(50, Math.min(500, this.options.settleMs / 4)),
      },
    });
    watcher.on('add', (path) => void this.take(path));
    watcher.on('change', (path) => void this.take(path));
    watcher.on('error', (err) => on.lost(err instanceof Error ? err : new Error(String(err))));
    await new Promise<void>((ready) => watcher.once('ready', () => ready()));
    this.watcher = watcher;
  }

  private async take(path: string): Promise<void> {
    if (dirname(resolve(path)) !== this.dir || !this.pattern.test(basename(path))) return;
    try {
      const bytes = await readFile(path);
      const read = readHandheldFile(bytes, this.transfer, this.deviceId);
      for (const r of read.rejected.slice(0, 50))
        this.log.warn(
          { file: basename(path), line: r.line, reason: r.reason },
          'handheld file: line rejected',
        );
      await this.onFile(read, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return; // moved away meanwhile (already settled)
      this.log.error({ file: basename(path), err: (err as Error).message }, 'handheld file not taken');
    }
  }

  async close(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    await w?.close();
  }
}

/**
 * Move a file the core has answered for out of the watched folder: into `processed/` when counted
 * (or counted before), into `rejected/` when refused. A name already there gets a time suffix.
 */
export async function moveAside(path: string, outcome: 'processed' | 'rejected', now: Date): Promise<string> {
  const target = join(dirname(path), outcome === 'processed' ? PROCESSED_DIR : REJECTED_DIR);
  await mkdir(target, { recursive: true });
  let dest = join(target, basename(path));
  const exists = await stat(dest).then(
    () => true,
    () => false,
  );
  if (exists) dest = join(target, `${now.toISOString().replace(/[:.]/g, '')}-${basename(path)}`);
  await rename(path, dest);
  return dest;
}

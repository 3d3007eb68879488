import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OfflinePackage } from '@bunko/protocols';
import { replaceFile } from './replace-file.ts';

export const PACKAGE_FILE = 'offline-package.json';

/** The last offline package the core sent, kept on disk so a laptop started out of coverage has it. */
export async function loadPackage(dir: string): Promise<OfflinePackage | null> {
  try {
    const r = OfflinePackage.safeParse(JSON.parse(await readFile(join(dir, PACKAGE_FILE), 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null; // none yet, or a file from an older version: the next download replaces it
  }
}

/** Replace the stored package atomically (a crash leaves the old one or the new one, never half). */
export function savePackage(dir: string, pkg: OfflinePackage): Promise<void> {
  return replaceFile(join(dir, PACKAGE_FILE), JSON.stringify(pkg));
}

import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir } from '../journal.ts';

/** Replace a file's content atomically and durably: a crash leaves the old file or the new one, never half. */
export async function replaceFile(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp`;
  const fh = await open(temp, 'w', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, file);
  await syncDir(dirname(file));
}

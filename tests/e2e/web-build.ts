// Shared by the browser tests: make sure web/dist is a build of the current sources. Test files run in
// parallel workers and `vite build` empties web/dist first, so only one worker builds at a time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const root = resolve(import.meta.dirname, '../..');
export const webRoot = join(root, 'web/dist');

/** Newest modification time under a folder (sources of the web build). */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function fresh(): boolean {
  const index = join(webRoot, 'index.html');
  const sources = Math.max(
    newest(join(root, 'web/src')),
    newest(join(root, 'web/public')),
    ...['index.html', 'opac.html', 'vite.config.ts'].map((f) => statSync(join(root, 'web', f)).mtimeMs),
  );
  return existsSync(index) && statSync(index).mtimeMs >= sources;
}

/** Build the UI when web/dist is missing or older than its sources, so no test drives a stale build. */
export async function ensureWebBuild() {
  if (fresh()) return;
  const lock = join(
    tmpdir(),
    `bunko-web-build-${createHash('sha1').update(root).digest('hex').slice(0, 10)}`,
  );
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // a lock left by a crashed run is older than any build takes
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000)
        rmSync(lock, { recursive: true });
      if (Date.now() - started > 240_000) throw new Error(`waited too long for the web build lock ${lock}`);
      await sleep(250);
    }
  }
  try {
    // another worker may have built it while we waited
    if (!fresh()) execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: root, stdio: 'pipe' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

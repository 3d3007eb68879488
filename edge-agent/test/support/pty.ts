import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const haveSocat = spawnSync('socat', ['-V']).status === 0;

/**
 * Two pseudo-terminals joined by socat (raw, no echo): what is written to one comes out of the
 * other, like the two ends of a serial cable. `device` is the agent's end, `host` the test's.
 * Plain Node (no test runner), so the bench uses it too.
 */
export async function socatPair(dir: string, names = { device: 'device', host: 'host' }) {
  const device = join(dir, names.device);
  const host = join(dir, names.host);
  const child: ChildProcess = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(existsSync(device) && existsSync(host))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`socat did not make the pseudo-terminals ${device} and ${host}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { device, host, child };
}

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 1000;

/**
 * The agent's scan sequence: grows by one per scan and never repeats, also across restarts and
 * crashes, so the core can tell a redelivered scan from a new one by (agent, seq). Numbers are
 * reserved a block at a time in `<dataDir>/scan-seq` (written, synced, renamed); a restart skips
 * to the next block, and no scan waits for a disk write except the one in a thousand that reserves.
 */
export class ScanSequence {
  private constructor(
    private readonly file: string,
    private value: number,
    private reserved: number,
  ) {}

  static open(dataDir: string): ScanSequence {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'scan-seq');
    let stored = 0;
    try {
      const n = Number(readFileSync(file, 'utf8').trim());
      if (Number.isSafeInteger(n) && n > 0) stored = n;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const seq = new ScanSequence(file, stored, stored);
    seq.reserve();
    return seq;
  }

  next(): number {
    if (this.value >= this.reserved) this.reserve();
    this.value += 1;
    return this.value;
  }

  private reserve(): void {
    const upTo = this.reserved + BLOCK;
    const temp = `${this.file}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, `${upTo}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
    this.reserved = upTo;
  }
}

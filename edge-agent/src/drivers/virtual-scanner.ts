import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ScannerHandlers, ScannerSource } from './scanner-types.ts';
import { SuffixFramer } from './suffix-framer.ts';

/**
 * The demo reader: every line appended to the inbox file is one scan
 * (`echo A1000001A >> data/demo-agent/virtual-scans/scanner-1.txt`). Lines already in the file
 * when it opens are old scans and are not sent again.
 */
export class VirtualScanner implements ScannerSource {
  readonly transport = 'virtual';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly inbox: string,
    private readonly pollMs = 100,
  ) {}

  async open(on: ScannerHandlers): Promise<void> {
    await mkdir(dirname(this.inbox), { recursive: true });
    await (await open(this.inbox, 'a', 0o600)).close();
    let offset = (await stat(this.inbox)).size;
    const framer = new SuffixFramer('lf');
    let busy = false;
    const poll = async () => {
      const st = await stat(this.inbox);
      if (st.size < offset) offset = 0; // truncated: start over
      if (st.size === offset) return;
      const fh = await open(this.inbox, 'r');
      try {
        const buf = Buffer.alloc(st.size - offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        offset += bytesRead;
        for (const data of framer.push(buf.subarray(0, bytesRead)).frames) on.scan({ data });
      } finally {
        await fh.close();
      }
    };
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      poll()
        .catch((err: Error) => on.lost(err))
        .finally(() => {
          busy = false;
        });
    }, this.pollMs);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

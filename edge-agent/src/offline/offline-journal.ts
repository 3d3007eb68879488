import { randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OfflineOperation } from '@bunko/protocols';
import { z } from 'zod';
import { syncDir } from '../journal.ts';
import { replaceFile } from './replace-file.ts';

/**
 * The bookmobile's offline journal: an append-only JSON-lines file. Each checkout or return is one
 * `op` line, written and fsync'd before the counter is told it went through, so a crash or a power
 * cut never loses an acknowledged operation. `ack` lines move the replay cursor: every op with a
 * seq up to it has a recorded result at the core. A torn last line (the write the crash
 * interrupted, never acknowledged) is dropped when the journal is opened.
 */
const Line = z.discriminatedUnion('k', [
  z.object({ k: z.literal('op'), op: OfflineOperation }),
  z.object({
    k: z.literal('ack'),
    seq: z.number().int().min(0),
    /** kept when replayed operations are compacted away: the session continues the same day */
    last: z.object({ sessionId: z.uuid(), at: z.string() }).optional(),
  }),
]);
type Line = z.infer<typeof Line>;

export const OFFLINE_JOURNAL_FILE = 'offline-journal.jsonl';

/** `id`: the counter page's own id for the operation (its retries send it again); else a new one */
export type NewOperation = Omit<OfflineOperation, 'id' | 'seq' | 'sessionId' | 'at'> & {
  id?: string | undefined;
};

type LastOp = { sessionId: string; at: string };

const tokyoDay = (iso: string) => new Date(Date.parse(iso) + 9 * 3600_000).toISOString().slice(0, 10);

export class OfflineJournal {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private handle: FileHandle,
    private readonly ops: OfflineOperation[],
    private cursor: number,
    private lastSeq: number,
    private last: LastOp | undefined,
    private readonly now: () => Date,
  ) {}

  /** Open (or create) the journal in `dir`; a damaged line is dropped and the file rewritten. */
  static async open(dir: string, now: () => Date = () => new Date()): Promise<OfflineJournal> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, OFFLINE_JOURNAL_FILE);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const ops: OfflineOperation[] = [];
    let cursor = 0;
    let last: LastOp | undefined;
    let damaged = text.length > 0 && !text.endsWith('\n');
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      const line = parse(raw);
      if (!line) damaged = true;
      else if (line.k === 'op') {
        ops.push(line.op);
        last = { sessionId: line.op.sessionId, at: line.op.at };
      } else {
        cursor = Math.max(cursor, line.seq);
        last = line.last ?? last;
      }
    }
    const lastSeq = Math.max(cursor, ...ops.map((o) => o.seq));
    const pending = ops.filter((o) => o.seq > cursor);
    if (damaged || pending.length < ops.length) await compact(file, cursor, last, pending);
    const handle = await open(file, 'a', 0o600);
    await syncDir(dir);
    return new OfflineJournal(file, handle, pending, cursor, lastSeq, last, now);
  }

  /** Operations not yet replayed, oldest first. */
  pending(): readonly OfflineOperation[] {
    return this.ops;
  }

  /** The seq up to which every operation has been replayed. */
  get replayedUpTo(): number {
    return this.cursor;
  }

  /**
   * Record one operation and resolve once it is on disk. A session is one day's operations at the
   * bookmobile (Japan time). Times never go backwards, so the journal's order is time order even
   * if the laptop's clock is set back.
   */
  append(input: NewOperation): Promise<OfflineOperation> {
    const next = this.chain.then(async () => {
      const last = this.last;
      const at = new Date(Math.max(this.now().getTime(), last ? Date.parse(last.at) : 0)).toISOString();
      const sameDay = last !== undefined && tokyoDay(last.at) === tokyoDay(at);
      const op = OfflineOperation.parse({
        ...input,
        id: input.id ?? randomUUID(),
        seq: this.lastSeq + 1,
        sessionId: sameDay ? last.sessionId : randomUUID(),
        at,
      });
      await this.write({ k: 'op', op });
      this.lastSeq = op.seq;
      this.last = { sessionId: op.sessionId, at: op.at };
      this.ops.push(op);
      return op;
    });
    this.chain = next.catch(() => {});
    return next;
  }

  /** The core has a result for every operation up to `seq`: move the cursor past them. */
  ack(seq: number): Promise<void> {
    const next = this.chain.then(async () => {
      if (seq <= this.cursor) return;
      await this.write({ k: 'ack', seq });
      this.cursor = seq;
      while (this.ops.length > 0 && this.ops[0]!.seq <= seq) this.ops.shift();
      if (this.ops.length === 0) {
        // all replayed: the patrons' cards need not stay on the laptop a moment longer
        await this.handle.close();
        await compact(this.file, this.cursor, this.last, []);
        this.handle = await open(this.file, 'a', 0o600);
      }
    });
    this.chain = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }

  private async write(line: Line): Promise<void> {
    await this.handle.appendFile(`${JSON.stringify(line)}\n`, 'utf8');
    await this.handle.datasync();
  }
}

/**
 * Rewrite the journal as the cursor and the operations still waiting (atomically: a crash leaves
 * the old file or the new one). Replayed operations are of no use on the laptop any more, and
 * they name patrons.
 */
async function compact(file: string, cursor: number, last: LastOp | undefined, pending: OfflineOperation[]) {
  const lines: Line[] = [
    { k: 'ack', seq: cursor, ...(last ? { last } : {}) },
    ...pending.map((op) => ({ k: 'op' as const, op })),
  ];
  await replaceFile(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

function parse(raw: string): Line | undefined {
  try {
    const r = Line.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

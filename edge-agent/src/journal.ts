import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The print journal: an append-only JSON-lines file, each line fsync'd before the agent acts on it.
 * A job is written `started` before a single byte goes to the printer and `printed`/`failed` after,
 * so after a crash the agent knows which jobs might have printed and never prints them again.
 */
const JobError = z.object({ code: z.string(), message: z.string() });

export const JournalEntry = z.discriminatedUnion('state', [
  z.object({
    jobId: z.string(),
    state: z.literal('started'),
    at: z.string(),
    deviceId: z.string(),
    notAfter: z.string(),
  }),
  z.object({
    jobId: z.string(),
    state: z.literal('printed'),
    at: z.string(),
    result: z.record(z.string(), z.unknown()),
  }),
  z.object({
    jobId: z.string(),
    state: z.literal('failed'),
    at: z.string(),
    error: JobError,
    /** nothing reached the printer: the same job may be tried again */
    retryable: z.boolean(),
  }),
]);
export type JournalEntry = z.infer<typeof JournalEntry>;

type Started = Extract<JournalEntry, { state: 'started' }>;

/** What is known about one job: its latest entry, and the `started` entry (device, notAfter). */
export type JobRecord = { last: JournalEntry; started: Started | undefined };

const record = (prev: JobRecord | undefined, entry: JournalEntry): JobRecord => ({
  last: entry,
  started: entry.state === 'started' ? entry : prev?.started,
});

export const JOURNAL_FILE = 'print-journal.jsonl';

/** Jobs are kept this long after their notAfter; a repeat after that is refused as expired anyway. */
const RETENTION_MS = 7 * 24 * 3600_000;

export class PrintJournal {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly handle: FileHandle,
    private readonly jobs: Map<string, JobRecord>,
  ) {}

  /**
   * Open (or create) the journal in `dir`. A torn last line from a crash is dropped, and jobs past
   * retention are compacted away; either rewrites the file atomically.
   */
  static async open(dir: string, now: () => Date = () => new Date()): Promise<PrintJournal> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, JOURNAL_FILE);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const jobs = new Map<string, JobRecord>();
    let damaged = false;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const entry = parseLine(line);
      if (!entry) {
        damaged = true;
        continue;
      }
      jobs.set(entry.jobId, record(jobs.get(entry.jobId), entry));
    }
    const cutoff = now().getTime() - RETENTION_MS;
    let dropped = false;
    for (const [id, rec] of jobs) {
      if (rec.started && Date.parse(rec.started.notAfter) < cutoff) {
        jobs.delete(id);
        dropped = true;
      }
    }
    if (damaged || dropped || (text.length > 0 && !text.endsWith('\n'))) await rewrite(dir, file, jobs);
    const handle = await open(file, 'a', 0o600);
    await syncDir(dir);
    return new PrintJournal(file, handle, jobs);
  }

  get(jobId: string): JobRecord | undefined {
    return this.jobs.get(jobId);
  }

  get path(): string {
    return this.file;
  }

  /** Append one entry and wait until it is on disk. Appends are serialised. */
  append(entry: JournalEntry): Promise<void> {
    const next = this.chain.then(async () => {
      await this.handle.appendFile(`${JSON.stringify(entry)}\n`, 'utf8');
      await this.handle.datasync();
      this.jobs.set(entry.jobId, record(this.jobs.get(entry.jobId), entry));
    });
    this.chain = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}

function parseLine(line: string): JournalEntry | undefined {
  try {
    const r = JournalEntry.safeParse(JSON.parse(line));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Write the surviving jobs (their `started` entry, then their latest) and swap the file in. */
async function rewrite(dir: string, file: string, jobs: Map<string, JobRecord>): Promise<void> {
  const lines: string[] = [];
  for (const rec of jobs.values()) {
    if (rec.started && rec.started !== rec.last) lines.push(JSON.stringify(rec.started));
    lines.push(JSON.stringify(rec.last));
  }
  const temp = `${file}.tmp`;
  const fh = await open(temp, 'w', 0o600);
  try {
    await fh.writeFile(lines.length ? `${lines.join('\n')}\n` : '', 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, file);
  await syncDir(dir);
}

/** fsync the directory so a created or renamed file survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r').catch(() => undefined);
  if (!d) return;
  try {
    await d.sync();
  } catch {
    // some filesystems refuse fsync on a directory; the data itself is already synced
  } finally {
    await d.close();
  }
}

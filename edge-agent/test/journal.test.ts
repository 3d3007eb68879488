import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, PrintJournal } from '../src/journal.ts';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'bunko-journal-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const at = '2025-07-01T10:00:00.000Z';
const started = (jobId: string, notAfter = '2025-07-01T10:05:00.000Z') =>
  ({ jobId, state: 'started', at, deviceId: 'receipt-1', notAfter }) as const;

describe('print journal', () => {
  it('keeps every job’s latest state across a reopen', async () => {
    const dir = scratch();
    const now = () => new Date(at);
    const j = await PrintJournal.open(dir, now);
    await j.append(started('a'));
    await j.append({ jobId: 'a', state: 'printed', at, result: { bytes: 10 } });
    await j.append(started('b'));
    await j.close();
    const again = await PrintJournal.open(dir, now);
    expect(again.get('a')?.last).toMatchObject({ state: 'printed', result: { bytes: 10 } });
    expect(again.get('a')?.started?.notAfter).toBe('2025-07-01T10:05:00.000Z');
    expect(again.get('b')?.last.state).toBe('started'); // died mid-job: known, not forgotten
    expect(again.get('c')).toBeUndefined();
    await again.close();
  });

  it('survives a torn last line from a crash and keeps appending after it', async () => {
    const dir = scratch();
    const now = () => new Date(at);
    const j = await PrintJournal.open(dir, now);
    await j.append(started('a'));
    await j.close();
    appendFileSync(join(dir, JOURNAL_FILE), '{"jobId":"a","state":"prin');
    const again = await PrintJournal.open(dir, now);
    expect(again.get('a')?.last.state).toBe('started');
    await again.append(started('b'));
    await again.close();
    const lines = readFileSync(join(dir, JOURNAL_FILE), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { jobId: string }).jobId)).toEqual(['a', 'b']);
  });

  it('forgets jobs a week past their notAfter, keeping the rest', async () => {
    const dir = scratch();
    const j = await PrintJournal.open(dir, () => new Date(at));
    await j.append(started('old', '2025-07-01T10:05:00.000Z'));
    await j.append({ jobId: 'old', state: 'printed', at, result: {} });
    await j.append(started('new', '2025-07-09T10:05:00.000Z'));
    await j.append({ jobId: 'new', state: 'printed', at, result: {} });
    await j.close();
    const later = await PrintJournal.open(dir, () => new Date('2025-07-09T10:00:00.000Z'));
    expect(later.get('old')).toBeUndefined();
    expect(later.get('new')?.last.state).toBe('printed');
    expect(later.get('new')?.started?.notAfter).toBe('2025-07-09T10:05:00.000Z');
    await later.close();
    expect(readFileSync(join(dir, JOURNAL_FILE), 'utf8').trim().split('\n')).toHaveLength(2);
  });
});

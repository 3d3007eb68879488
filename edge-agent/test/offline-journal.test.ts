import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type NewOperation, OFFLINE_JOURNAL_FILE, OfflineJournal } from '../src/offline/offline-journal.ts';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'bunko-offline-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const station = randomUUID();
const checkout = (item: string): NewOperation => ({
  kind: 'checkout',
  locationId: station,
  itemBarcode: item,
  patronBarcode: '20000001',
  flags: [],
});
const lines = (dir: string) =>
  readFileSync(join(dir, OFFLINE_JOURNAL_FILE), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { k: string; seq?: number; op?: { seq: number } });

describe('offline journal', () => {
  it('has each operation on disk when append resolves, with growing seq, one session and a uuid', async () => {
    const dir = scratch();
    const j = await OfflineJournal.open(dir);
    const a = await j.append(checkout('1000001'));
    // on disk already, before close: a crash now keeps it
    expect(lines(dir).map((l) => l.op?.seq)).toEqual([1]);
    const b = await j.append({ kind: 'return', locationId: station, itemBarcode: '1000002', flags: [] });
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(b.sessionId).toBe(a.sessionId);
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.id).not.toBe(b.id);
    await j.close();
  });

  it('recovers after a torn last line: the acknowledged operations stay, the torn write is dropped', async () => {
    const dir = scratch();
    const j = await OfflineJournal.open(dir);
    const a = await j.append(checkout('1000001'));
    await j.close();
    appendFileSync(join(dir, OFFLINE_JOURNAL_FILE), '{"k":"op","op":{"id":"');
    const again = await OfflineJournal.open(dir);
    expect(again.pending().map((o) => o.id)).toEqual([a.id]);
    const b = await again.append(checkout('1000002'));
    expect(b.seq).toBe(2);
    await again.close();
    const reread = await OfflineJournal.open(dir);
    expect(reread.pending().map((o) => o.itemBarcode)).toEqual(['1000001', '1000002']);
    await reread.close();
  });

  it('moves the replay cursor on ack, keeps it across a reopen and forgets replayed operations', async () => {
    const dir = scratch();
    const j = await OfflineJournal.open(dir);
    const ops = [];
    for (const item of ['1000001', '1000002', '1000003']) ops.push(await j.append(checkout(item)));
    await j.ack(2);
    expect(j.pending().map((o) => o.seq)).toEqual([3]);
    expect(j.replayedUpTo).toBe(2);
    await j.ack(1); // an older answer arriving late never moves the cursor back
    expect(j.replayedUpTo).toBe(2);
    await j.close();

    const again = await OfflineJournal.open(dir);
    expect(again.replayedUpTo).toBe(2);
    expect(again.pending().map((o) => o.id)).toEqual([ops[2]!.id]);
    // the replayed operations (with their patron cards) are gone from the laptop
    expect(lines(dir)).toEqual([
      { k: 'ack', seq: 2, last: { sessionId: ops[2]!.sessionId, at: ops[2]!.at } },
      expect.objectContaining({ k: 'op' }),
    ]);
    await again.ack(3);
    // fully replayed: nothing naming a patron is left in the file
    expect(readFileSync(join(dir, OFFLINE_JOURNAL_FILE), 'utf8')).not.toContain('20000001');
    const next = await again.append(checkout('1000004'));
    // seq keeps growing; the day's session goes on after the replay
    expect(next.seq).toBe(4);
    expect(next.sessionId).toBe(ops[0]!.sessionId);
    await again.close();
  });

  it('starts a new session on a new day (Japan time), also after compaction', async () => {
    const dir = scratch();
    let now = new Date('2026-11-25T05:00:00.000Z'); // 14:00 in Ishigaki
    const j = await OfflineJournal.open(dir, () => now);
    const a = await j.append(checkout('1000001'));
    await j.ack(a.seq);
    await j.close();
    const reopened = await OfflineJournal.open(dir, () => now);
    const b = await reopened.append(checkout('1000002'));
    expect(b.sessionId).toBe(a.sessionId);
    now = new Date('2026-11-25T15:30:00.000Z'); // 00:30 the next day in Japan
    const c = await reopened.append(checkout('1000003'));
    expect(c.sessionId).not.toBe(a.sessionId);
    await reopened.close();
  });

  it('keeps time order when the laptop clock is set back', async () => {
    const dir = scratch();
    let now = new Date('2026-11-25T01:00:00.000Z');
    const j = await OfflineJournal.open(dir, () => now);
    const a = await j.append(checkout('1000001'));
    now = new Date('2026-11-25T00:30:00.000Z');
    const b = await j.append(checkout('1000002'));
    expect(Date.parse(b.at)).toBeGreaterThanOrEqual(Date.parse(a.at));
    await j.close();
  });
});

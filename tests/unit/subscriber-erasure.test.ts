import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';
import { SubscriberBook } from '../../src/store/mail/subscriber-book.ts';

/**
 * A removed subscriber's address leaves the embedded journal at the next compaction (the outbox's
 * minute), however small the journal: a removal is often an erasure request, and the address sat in
 * the file's earlier lines until the journal happened to grow to twice its live records.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const now = new Date('2026-11-30T10:00:00Z');

function open(dir: string) {
  return new SubscriberBook(new Journal(join(dir, 'subscribers.jsonl')), LinkTokens.open(dir));
}
const file = (dir: string) => readFileSync(join(dir, 'subscribers.jsonl'), 'utf8');

describe('a removed subscriber leaves the journal', () => {
  it('at the next compaction, though the journal is far from twice its live records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-erasure-'));
    dirs.push(dir);
    const book = open(dir);
    for (let i = 0; i < 20; i++) await book.request(`keep${i}@example.com`, [], now);
    const gone = await book.request('erase.me@example.org', [], now);
    await book.remove(gone.subscriber.id);
    expect(file(dir)).toContain('erase.me@example.org');

    await book.compactIfWorthIt();
    expect(file(dir)).not.toContain('erase.me@example.org');
    expect(file(dir)).toContain('keep19@example.com');
    // Nothing more to take out: the next minute leaves the file alone.
    await book.request('later@example.com', [], now);
    const before = file(dir);
    await book.compactIfWorthIt();
    expect(file(dir)).toBe(before);
    await book.close();
  });

  it('also when the removal was written before a restart that came before the compaction', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-erasure-'));
    dirs.push(dir);
    const book = open(dir);
    await book.request('stay@example.com', [], now);
    const gone = await book.request('crash.before@example.org', [], now);
    await book.remove(gone.subscriber.id);
    await book.close();

    const again = open(dir);
    expect(again.size).toBe(1);
    await again.compactIfWorthIt();
    expect(file(dir)).not.toContain('crash.before@example.org');
    await again.close();
    expect(open(dir).size).toBe(1);
  });
});

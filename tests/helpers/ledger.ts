import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.ts';
import { DeliveryLedger } from '../../src/store/mail/ledger.ts';
import { queuedDelivery, type Delivery, type Intent } from '../../src/store/mail/model.ts';

/** The DeliveryLedger unit tests' world: one notice (`KEY`), its deliveries, and ledgers on temporary journals. */
export const AT = new Date('2026-11-30T10:00:00Z').toISOString();
export const KEY = 'upd1';

/** Subscriber `i`'s delivery of the notice (or of another intent, or its confirmation). */
export const delivery = (i: number, kind: Delivery['kind'] = 'update', intent = KEY): Delivery =>
  queuedDelivery({ id: kind === 'confirm' ? `s${i}.confirm.1` : `s${i}.${intent}`, sub: `s${i}`, intent, kind, created_at: AT });
export const sent = (d: Delivery): Delivery => ({ ...d, state: 'sent', attempts: d.attempts + 1, sent_at: AT });

/** The notice's fan-out progress, nothing fanned out yet unless `over` says so. */
export const fanOutIntent = (over: Partial<Intent> = {}): Intent => ({
  t: 'i',
  key: KEY,
  incident: 'INC-1',
  update: KEY,
  kind: 'update',
  cursor: 0,
  done: false,
  created_at: AT,
  archived_sent: 0,
  ...over,
});

const dirs: string[] = [];

/** A new ledger on a journal of its own (removed by `removeLedgers`). */
export async function openLedger(): Promise<{ file: string; ledger: DeliveryLedger }> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-ledger-'));
  dirs.push(dir);
  const file = join(dir, 'deliveries.jsonl');
  const ledger = new DeliveryLedger(new Journal(file));
  await ledger.init(new Date(AT));
  return { file, ledger };
}

/** The same journal read again, as a restart does. */
export const reopenLedger = (file: string) => new DeliveryLedger(new Journal(file));

export function removeLedgers(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

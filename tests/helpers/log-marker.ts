import { expect } from 'vitest';
import { until } from './poll.ts';
import type { HeraldProcess } from './server.ts';

let markers = 0;

/**
 * What Herald printed while `run` ran and until a marker line written after
 * it: a line that comes late (an error logged once a closed connection is
 * noticed, a rejection nobody awaited) is caught, where waiting a fixed time
 * let it through on a slow machine. The marker is the outbox's line for an
 * incident declared after `run` (every declare is fanned out and logged, with
 * or without subscribers); whatever `run` made Herald write before it was
 * already in the pipes when the marker was, so it has been read once the
 * marker has. Returns the output in between, marker excluded.
 */
export async function printedDuring(h: HeraldProcess, run: () => Promise<unknown>): Promise<string> {
  const from = h.output().length;
  await run();
  const name = `Log marker ${process.pid}-${++markers}`;
  const res = await h.admin('/incidents', { body: { name, impact: 'major', body: 'A marker for the log.', notify: true } });
  expect(res.status, `the marker incident: ${await res.clone().text()}`).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const line = new RegExp(`^\\[outbox\\] [^\\n]*\\(${id}\\): \\d+ deliveries queued[^\\n]*\\n`, 'm');
  await until(() => line.test(h.output().slice(from)), 'the marker line in the log', 10_000);
  const printed = h.output().slice(from);
  return printed.replace(line, '');
}

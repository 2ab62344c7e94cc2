import { describe, expect, it } from 'vitest';
import { fanOutOver } from '../../src/read/fan-out-over.ts';
import { db, incident } from '../helpers/db.ts';

describe("a notice's fan-out, as the Deliveries page and API tell it", () => {
  it('is over when done, or when its incident was withdrawn before it ended (no pass takes it up again)', () => {
    // From the review: a fan-out cut short (a change of leader, the database away) and then withdrawn read
    // "fanning out" for good.
    const d = db();
    d.incidents.push(incident('INC-1', 'minor', 'investigating'));
    expect(fanOutOver({ done: false, incident: 'INC-1' }, d)).toBe(false);
    expect(fanOutOver({ done: true, incident: 'INC-1' }, d)).toBe(true);
    expect(fanOutOver({ done: false, incident: 'INC-withdrawn' }, d)).toBe(true);
  });
});

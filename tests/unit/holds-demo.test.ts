import { describe, expect, it } from 'vitest';
import { holdsDemo, readDemoSeed } from '../../src/store/seed.ts';

describe('whether a site still holds the demo', () => {
  const demo = readDemoSeed()!;
  it('is a component the seed made (id, name and description alike), not an operator’s own of the same id', () => {
    const [first] = demo.components;
    expect(holdsDemo([{ ...first!, description: first!.description }])).toBe(true);
    // Before: an operator's own `api` (a common id) made every restart with HERALD_SEED=none say the demo was kept.
    expect(holdsDemo(demo.components.map((c) => ({ id: c.id, name: c.name, description: null })))).toBe(false);
    expect(holdsDemo([{ id: 'api', name: 'Payments API', description: 'Public REST API' }])).toBe(false);
  });
});

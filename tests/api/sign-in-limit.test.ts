import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAction } from '../../src/console/actions/session.ts';
import { openInProcess, type InProcess } from '../helpers/app.ts';

/**
 * The console's sign-in limit against parallel guesses, on both engines (the
 * `postgres` project runs this file on a fresh database): a failure is
 * counted before the secret is checked, in one step, so guesses sent at once
 * cannot all get past the check before the first is counted.
 */
let p: InProcess;
beforeAll(async () => {
  p = await openInProcess({ ADMIN_PASSWORD: 'correct horse battery' });
});
afterAll(() => p?.close());

const guess = (secret: string, ip: string) => {
  const form = new FormData();
  form.set('secret', secret);
  return signInAction(p.herald, form, ip, '/admin');
};

describe('console sign-in limit', () => {
  it('50 wrong guesses sent at once from one address: 5 are checked, 45 answer 429 with a wait', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => guess(`wrong guess ${i}`, '203.0.113.7')));
    const statuses = answers.map((a) => (a.ok ? 200 : a.status));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);
    for (const a of answers) if (!a.ok && a.status === 429) expect(a.retryAfter).toBeGreaterThan(0);
    // Even the right password waits now; another address is not affected.
    expect(await guess('correct horse battery', '203.0.113.7')).toMatchObject({ ok: false, status: 429 });
    expect(await guess('correct horse battery', '198.51.100.9')).toMatchObject({ ok: true });
  });
});

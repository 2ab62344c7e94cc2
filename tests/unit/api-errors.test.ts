import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { RateLimited, Unavailable } from '../../src/domain/errors.ts';
import { Busy } from '../../src/store/mail/busy.ts';
import { onError } from '../../src/api/errors.ts';

/** The one error handler: Herald's errors become their status, JSON body and Retry-After where one is known. */
function appThrowing(err: Error): Hono {
  const app = new Hono();
  app.onError(onError({ 'X-Content-Type-Options': 'nosniff' }));
  app.post('/api/x', () => {
    throw err;
  });
  app.post('/unsubscribe/x', () => {
    throw err;
  });
  return app;
}

describe('onError', () => {
  it('a busy store answers 503 with Retry-After and the JSON error', async () => {
    const res = await appThrowing(new Busy(5)).request('/api/x', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: { code: 'busy', message: expect.stringMatching(/try again/) } });
  });

  it('an outage with no known end answers the API 503 without Retry-After, a page 503 to try again in 5 s; a rate limit keeps its wait', async () => {
    const down = await appThrowing(new Unavailable('Storage is unavailable.', 'storage_unavailable')).request('/api/x', {
      method: 'POST',
    });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBeNull();
    // A page (a subscriber's link, a one-click unsubscribe) says to come back in a moment, and says so.
    const page = await appThrowing(new Unavailable('Storage is unavailable.', 'storage_unavailable')).request('/unsubscribe/x', {
      method: 'POST',
    });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(await page.text()).toContain('<h1>Try again in a moment</h1>');
    const limited = await appThrowing(new RateLimited(42)).request('/api/x', { method: 'POST' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('42');
  });
});

/** A value `until` accepts as "done". */
type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * The one way tests wait for something that happens on its own (a delivery, a
 * timer, a process state): polls `check` until it returns a truthy value, and
 * returns that value. No timing assertion: `timeoutMs` is only a generous upper
 * bound, after which it fails naming what it waited for (`what` may be a
 * function, to say how far it got).
 */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 30_000,
  intervalMs = 25,
): Promise<Truthy<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

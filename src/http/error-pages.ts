const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Seconds a reader (or a proxy that may try another replica) is told to wait when storage cannot be reached. */
export const UNAVAILABLE_RETRY_SECONDS = 5;

/**
 * The page of a request whose storage cannot be reached (PostgreSQL down): it says to come back, not that the
 * request was refused, for the link or form works as it is once storage is back. Astro's pages (their
 * middleware) and the Hono routes (the one-click unsubscribe, the forms' errors) answer with the same one.
 */
export function unavailablePage(message: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Try again in a moment</title></head><body><main><h1>Try again in a moment</h1>' +
    `<p>${escapeHtml(message)}</p><p><a href="/">The status page</a> is still up.</p></main></body></html>`
  );
}

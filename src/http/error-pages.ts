const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Seconds a reader (or a proxy that may try another replica) is told to wait when storage cannot be reached. */
export const UNAVAILABLE_RETRY_SECONDS = 5;

/** The bare page both answers below are: a title, a heading, the message and a way back. */
const barePage = (title: string, heading: string, message: string, back: string) =>
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
  `<title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(heading)}</h1>` +
  `<p>${escapeHtml(message)}</p><p>${back}</p></main></body></html>`;

/** A bare page for an error that stopped a form or page request before its page could answer. */
export const errorPage = (message: string): string =>
  barePage(message, 'The request was refused', message, '<a href="/">Back to the status page</a>');

/**
 * The page of a request whose storage cannot be reached (PostgreSQL down): it says to come back, not that the
 * request was refused, for the link or form works as it is once storage is back. Astro's pages (their
 * middleware) and the Hono routes (the one-click unsubscribe, the forms' errors) answer with the same one.
 */
export const unavailablePage = (message: string): string =>
  barePage('Try again in a moment', 'Try again in a moment', message, '<a href="/">The status page</a> is still up.');

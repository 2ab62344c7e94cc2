import type { AstroGlobal } from 'astro';

/**
 * The address a console form posts to: the page's own, as a form without an action would, less the fragment. A form
 * posted from a page opened on one (#main after the skip link, #field after an error summary's link) would have its
 * answer, or the page its save redirects to, open on that fragment, and a browser does not autofocus a page opened on
 * a fragment: the notice of what was done (DoneNotice.astro) or the summary of what was refused would not take the focus.
 */
export function postedTo(astro: Pick<AstroGlobal, 'url'>): string {
  return astro.url.pathname + astro.url.search;
}

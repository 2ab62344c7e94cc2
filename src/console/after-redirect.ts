import type { AstroGlobal } from 'astro';

/**
 * A parameter a save's redirect put on the address to say what it did (`?saved=publish`, `?done=1`), read
 * only on the GET that redirect led to. A form on that page posts back to the same address, flag and all:
 * its answer (a refused save, a preview, a question) would otherwise repeat the earlier save's notice over
 * what this post did.
 */
export function afterRedirect(astro: Pick<AstroGlobal, 'request' | 'url'>, name: string): string | null {
  return astro.request.method === 'GET' ? astro.url.searchParams.get(name) : null;
}

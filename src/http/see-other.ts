import { PRIVATE_CACHE } from './security.ts';

/**
 * The answer to a form post that did what it asked (Post/Redirect/Get): 303
 * sends the browser to a page it GETs, so reloading or going back to that
 * page shows the result again instead of posting the form again. Never cached.
 */
export function seeOther(location: string, setCookie?: string): Response {
  const headers = new Headers({ Location: location, 'Cache-Control': PRIVATE_CACHE });
  if (setCookie) headers.append('Set-Cookie', setCookie);
  return new Response(null, { status: 303, headers });
}

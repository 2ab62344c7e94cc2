import { PRIVATE_CACHE } from './security.ts';

/**
 * The answer to a form post that did what it asked (Post/Redirect/Get): 303
 * sends the browser to a page it GETs, so reloading or going back to that
 * page shows the result again instead of posting the form again.
 */
export function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location, 'Cache-Control': PRIVATE_CACHE } });
}

declare namespace App {
  interface Locals {
    /** Herald's typed services, set by src/api/pages.ts for every page Astro renders. */
    herald: import('./herald.ts').Herald;
    /** The console session of the request (src/api/console-guard.ts); null outside /admin and when signed out. */
    session: import('./auth/sessions.ts').Session | null;
  }
}

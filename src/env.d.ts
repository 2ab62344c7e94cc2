declare namespace App {
  interface Locals {
    /** Set by src/server.ts for every request Astro renders. */
    herald?: import('./herald.ts').Herald;
  }
}

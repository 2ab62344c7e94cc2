// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';

// Astro renders the public and admin pages; src/server.ts is the process that
// serves them (Hono in front, Astro's middleware-mode handler behind).
export default defineConfig({
  output: 'server',
  // HERALD_DIST (relative, inside the project) lets parallel builds keep apart.
  outDir: `./${process.env.HERALD_DIST ?? 'dist'}`,
  // Pages are rendered whole into the page cache, never streamed to a visitor:
  // without streaming, a render under load takes fewer event-loop turns.
  adapter: node({ mode: 'middleware', experimentalDisableStreaming: true }),
  // CSS as files: the Content-Security-Policy allows no inline style or script.
  build: { inlineStylesheets: 'never' },
  // Astro refuses cross-site form POSTs (403): the CSRF guard of the public forms.
  // Forwarded headers are accepted for any host here because src/api/app.ts strips
  // them from every request unless TRUST_PROXY says a proxy of yours sets them.
  security: { checkOrigin: true, allowedDomains: [{ protocol: 'https' }, { protocol: 'http' }] },
  devToolbar: { enabled: false },
  vite: { build: { assetsInlineLimit: 0 } },
});

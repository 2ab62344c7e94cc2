// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const SRC = fileURLToPath(new URL('./src/', import.meta.url));

/**
 * Pages import Herald's TypeScript modules (src/**\/*.ts), but the bundle must
 * not carry copies of them: src/server.ts loads the same modules from source
 * (and scripts/build-server.ts bundles this build with it, each module once),
 * and two copies would mean two error classes, two caches, two sets of
 * services. So each such import is left out of the bundle as `#herald/<path>`,
 * which Node resolves at run time through package.json "imports" to the very
 * module the server already loaded: one instance of each module per process.
 */
const heraldModulesOnce = {
  name: 'herald-modules-once',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!importer || !source.endsWith('.ts')) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    if (!resolved?.id.startsWith(SRC)) return null;
    return { id: `#herald/${resolved.id.slice(SRC.length)}`, external: true };
  },
};

/**
 * Beside each text asset of the build (stylesheets, scripts, the icon) a
 * gzip and a Brotli copy, compressed hard once here rather than per request:
 * the static route (src/api/app.ts, `precompressed`) sends the one a browser
 * takes. embed.js is loaded by every page of the product apps.
 */
const precompressAssets = () => {
  let client = '';
  return {
    name: 'herald-precompress-assets',
    hooks: {
      'astro:config:done': ({ config }) => {
        client = fileURLToPath(config.build.client);
      },
      'astro:build:done': async () => {
        for (const entry of await readdir(client, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile() || !/\.(css|js|svg)$/.test(entry.name)) continue;
          const file = join(entry.parentPath, entry.name);
          const bytes = await readFile(file);
          if (bytes.length < 1024) continue;
          await writeFile(`${file}.gz`, gzipSync(bytes, { level: 9 }));
          await writeFile(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        }
      },
    },
  };
};

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
  // Astro refuses form POSTs whose Origin is not the page's own (403), one of the CSRF guards of the
  // forms; src/api/app.ts also refuses, by the JSON API's rule, a post the browser says is cross-site.
  // Forwarded headers are accepted for any host here because src/api/app.ts strips
  // them from every request unless TRUST_PROXY says a proxy of yours sets them.
  security: { checkOrigin: true, allowedDomains: [{ protocol: 'https' }, { protocol: 'http' }] },
  devToolbar: { enabled: false },
  integrations: [precompressAssets()],
  vite: { build: { assetsInlineLimit: 0 }, plugins: [heraldModulesOnce] },
});

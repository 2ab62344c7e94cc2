/**
 * The second half of `npm run build`, after `astro build`: the process `npm run serve` runs, bundled into
 * one file, dist/server/herald.mjs (HERALD_DIST/server/herald.mjs), with its SMTP thread beside it
 * (smtp-worker.mjs). In it: src/server.ts and what it imports, Astro's build of the pages, and the packages
 * both use.
 *
 * Why: run from src/, a start loaded some 635 modules, and resolving and linking them was most of its CPU.
 * Bundled, a start took 754 ms of CPU against 1,066 ms (5 starts each, 2 cores, warm compile cache, no static
 * copy; README, Operations, "One file to load").
 *
 * The pages come in with the server, not loaded beside it: Astro's build imports Herald's modules from src/
 * (through `#herald/`), and a bundle loaded next to it would hold a second copy of each, whose services and
 * classes are not the ones the pages use. Bundled together, each module is there once, as before.
 * Astro's Node adapter finds the client files by walking up from its file to a folder named `server`, so
 * the bundle sits in it.
 */
import { build, type BuildOptions } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = process.env.HERALD_DIST ?? 'dist';

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // Installed only by those who want it; pg falls back to JavaScript without it.
  external: ['pg-native'],
  // The CommonJS packages bundled in (nodemailer, handlebars, pg, …) call require() for Node's own modules.
  banner: { js: "import { createRequire as __heraldRequire } from 'node:module'; const require = __heraldRequire(import.meta.url);" },
  logLevel: 'warning',
} satisfies BuildOptions;

await build({
  ...common,
  stdin: {
    // The build's folder, from the bundle's own place: the client files it serves are the ones built with it.
    contents: [
      "import { fileURLToPath } from 'node:url';",
      `import { handler } from './${dist}/server/entry.mjs';`,
      "import { main } from './src/server.ts';",
      "await main(handler, fileURLToPath(new URL('..', import.meta.url)));",
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'herald-entry.mjs',
    loader: 'js',
  },
  outfile: `${dist}/server/herald.mjs`,
  // src/server.ts run as a script starts itself; bundled, the entry above does, with the pages.
  define: { 'import.meta.main': 'false' },
});

await build({ ...common, entryPoints: ['src/notify/smtp-worker.ts'], outfile: `${dist}/server/smtp-worker.mjs` });

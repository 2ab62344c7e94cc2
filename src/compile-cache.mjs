/**
 * Preloaded before the server (`node --import ./src/compile-cache.mjs … dist/server/herald.mjs`, package.json's
 * serve script, and the scripts that run from src/): Node keeps the modules it compiled, TypeScript stripped of its types included, in its
 * compile cache, so every start after the first skips that work (here, on 2 cores: 0.97 s from spawn
 * to listening against 1.42 s) and never loads the TypeScript stripper (20–37 MB less resident, README's
 * Operations). It must run before the server's import graph loads, hence a module of its own, and
 * JavaScript, so that loading it strips no types.
 *
 * The cache lives beside the code, in node_modules/.cache, owned by whoever installed Herald: not in a
 * temp folder other users can write to (Node would load compiled code from it), nor one a service's
 * private /tmp empties at each restart. NODE_COMPILE_CACHE=dir moves it, NODE_DISABLE_COMPILE_CACHE=1
 * turns it off. A cache that cannot be written is no error: Node then compiles as it would without one.
 */
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

// Through the namespace: a Node too old to have it (before 22.1) gets no cache, and the start then says in one
// line which Node it needs (src/node-version.ts), rather than this import failing with a SyntaxError.
nodeModule.enableCompileCache?.(
  process.env.NODE_COMPILE_CACHE ? undefined : fileURLToPath(new URL('../node_modules/.cache/node-compile-cache', import.meta.url)),
);

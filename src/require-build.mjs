/**
 * Preloaded by `npm run serve` (package.json) before the server it runs, the build's dist/server/herald.mjs
 * (scripts/build-server.ts). Without a build, Node's own answer is a stack trace about a module not found;
 * this says what to do in one line, as every refused start does (`herald: …`, exit 1). JavaScript, and
 * apart from the server, for the reason compile-cache.mjs gives.
 */
import { existsSync } from 'node:fs';

const entry = process.argv[1];
if (entry && !existsSync(entry)) {
  console.error(
    `herald: Refusing to start: Herald is not built (${entry} is missing). Run \`npm run build\` first, or \`npm start\`, which builds and starts.`,
  );
  process.exit(1);
}

/**
 * Preloaded by `npm run serve` (package.json) before the server it runs, the build's dist/server/herald.mjs
 * (scripts/build-server.ts). Without a build, Node's own answer is a stack trace about a module not found;
 * this says what to do in one line, as every refused start does (`herald: …`, exit 1). Its SMTP thread,
 * smtp-worker.mjs beside it, is started only when mail is first sent: a build without it (cut short, or
 * copied in part) would start and fail every message, so it is checked now too. JavaScript, and apart
 * from the server, for the reason compile-cache.mjs gives.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const entry = process.argv[1];
// Node preloads this in the SMTP thread too, where there is nothing to check.
if (isMainThread && entry) {
  const missing = [entry, ...(basename(entry) === 'herald.mjs' ? [join(dirname(entry), 'smtp-worker.mjs')] : [])].find(
    (file) => !existsSync(file),
  );
  if (missing) {
    const what = missing === entry ? 'Herald is not built' : "Herald's build is incomplete";
    console.error(
      `herald: Refusing to start: ${what} (${missing} is missing). Run \`npm run build\` first, or \`npm start\`, which builds and starts.`,
    );
    process.exit(1);
  }
}

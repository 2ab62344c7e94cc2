import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

/**
 * The baseline of the benchmark when nginx is not installed: Node's plainest
 * HTTP server answering every request with one Buffer read at start, or, for
 * a URL path given as PATH=FILE, with that file's bytes.
 * Usage: node bench/plain-static.ts FILE [PATH=FILE ...]  (prints "listening PORT").
 */
const load = (file: string) => {
  const body = readFileSync(file);
  return { body, headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) } };
};
const fallback = load(process.argv[2]!);
const routes = new Map(process.argv.slice(3).map((arg) => [arg.slice(0, arg.indexOf('=')), load(arg.slice(arg.indexOf('=') + 1))]));
const server = createServer((req, res) => {
  const { body, headers } = routes.get(req.url ?? '/') ?? fallback;
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening ${address.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

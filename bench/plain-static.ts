import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

/**
 * The baseline of the benchmark when nginx is not installed: Node's plainest
 * HTTP server answering every request with one Buffer read at start.
 * Usage: node bench/plain-static.ts FILE  (prints "listening PORT").
 */
const body = readFileSync(process.argv[2]!);
const headers = { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) };
const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening ${address.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

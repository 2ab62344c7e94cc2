import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A plain static server answering `/` with fixed bytes: the yardstick for Herald's `/`. */
export interface StaticBaseline {
  name: string;
  url: string;
  stop(): Promise<void>;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * Serves `body` at `/` with nginx when it is installed (one worker, like
 * Herald's one process), else with Node's plainest http server and a cached
 * Buffer (bench/plain-static.ts). Both run as their own process. `extra`
 * maps more URL paths to their bodies (bench:surge mirrors /api/banner.json
 * too, so both servers get the same mix of requests).
 */
export async function startStaticBaseline(body: string, extra: Record<string, string> = {}): Promise<StaticBaseline> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-static-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'www'), { mode: 0o755 });
  const file = join(dir, 'www', 'index.html');
  writeFileSync(file, body, { mode: 0o644 });
  for (const [path, content] of Object.entries(extra)) {
    if (!/^(\/[\w.-]+)+$/.test(path) || path.includes('..')) throw new Error(`static baseline: unsupported path ${path}`);
    mkdirSync(dirname(join(dir, 'www', path)), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, 'www', path), content, { mode: 0o644 });
  }
  const nginx = findNginx();
  try {
    if (nginx) return await startNginx(nginx, dir, Object.keys(extra));
    return await startNode(dir, file, Object.keys(extra));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function findNginx(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  return null;
}

async function startNginx(bin: string, dir: string, extra: string[]): Promise<StaticBaseline> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  default_type text/html; charset utf-8;
  sendfile on; tcp_nopush on; keepalive_requests 1000000; open_file_cache max=16;
  server {
    listen 127.0.0.1:${port}; root ${dir}/www; location / { try_files /index.html =404; }
    ${extra.map((p) => `location = ${p} { try_files ${p} =404; }`).join('\n    ')}
  }
}
`,
  );
  const child = spawn(bin, ['-c', conf, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(url, child);
  return { name: 'nginx (1 worker)', url, stop: () => stopChild(child, dir, 'SIGQUIT') };
}

async function startNode(dir: string, file: string, extra: string[]): Promise<StaticBaseline> {
  const routes = extra.map((p) => `${p}=${join(dir, 'www', p)}`);
  const child = spawn(process.execPath, [join(HERE, 'plain-static.ts'), file, ...routes], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`plain static server exited (${code})`)));
  });
  return { name: 'node:http + cached Buffer', url: `http://127.0.0.1:${port}`, stop: () => stopChild(child, dir, 'SIGTERM') };
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`static server did not answer at ${url}: ${stderr}`);
}

async function stopChild(child: ChildProcess, dir: string, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileDurably } from '../../src/store/durable-file.ts';
import { removeDir, tempDataDir } from '../helpers/server.ts';
import { chmodIsEffective } from '../helpers/fs.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = tempDataDir('herald-durable-');
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o700);
    removeDir(d);
  }
});

describe('writeFileDurably', () => {
  it('replaces the content, leaves no temp file, and keeps the file private (0600)', async () => {
    const dir = tmp();
    const file = join(dir, 'herald.json');
    writeFileSync(file, 'old');
    await writeFileDurably(file, 'new content');
    expect(readFileSync(file, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['herald.json']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('leaves the old content and no temp file when the rename fails', async () => {
    const dir = tmp();
    const file = join(dir, 'herald.json');
    mkdirSync(file); // a directory where the file should go: rename(2) refuses
    writeFileSync(join(file, 'keep'), 'old');
    await expect(writeFileDurably(file, 'new')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['herald.json']);
    expect(readFileSync(join(file, 'keep'), 'utf8')).toBe('old');
  });

  it.skipIf(!chmodIsEffective())('leaves the old content when the folder is read-only', async () => {
    const dir = tmp();
    const file = join(dir, 'herald.json');
    writeFileSync(file, 'old');
    chmodSync(dir, 0o500);
    await expect(writeFileDurably(file, 'new')).rejects.toMatchObject({ code: 'EACCES' });
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['herald.json']);
  });

  it('leaves exactly the old or the new content when the writer is killed at any moment', async () => {
    const dir = tmp();
    const file = join(dir, 'herald.json');
    // Big enough that one write takes many write(2) calls: a plain overwrite
    // killed half-way would leave a truncated file here.
    const payload = (tag: string) => JSON.stringify({ tag, pad: tag.repeat(6_000_000) });
    const versions = new Set(['a', 'b', 'c', 'd'].map(payload));
    const module = pathToFileURL(join(process.cwd(), 'src/store/durable-file.ts')).href;
    const script = `
      import { writeFileDurably } from ${JSON.stringify(module)};
      const file = process.env.TARGET;
      // Built once, so the loop spends its time writing, where a kill hurts.
      const payloads = ['a', 'b', 'c', 'd'].map((tag) => JSON.stringify({ tag, pad: tag.repeat(6_000_000) }));
      for (let i = 0; ; i++) {
        await writeFileDurably(file, payloads[i % 4]);
        process.stdout.write('w');
      }`;
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, TARGET: file },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const doneAt: number[] = [];
      let killScheduled = false;
      await new Promise<void>((resolve) => {
        child.stdout!.on('data', (d: Buffer) => {
          for (let i = 0; i < d.length; i++) doneAt.push(performance.now());
          // After two writes we know how long one takes: kill at a random
          // point inside the next one, not at a write boundary.
          if (doneAt.length >= 2 && !killScheduled) {
            killScheduled = true;
            const oneWrite = doneAt.at(-1)! - doneAt.at(-2)!;
            setTimeout(() => child.kill('SIGKILL'), Math.random() * oneWrite);
          }
        });
        child.once('exit', () => resolve());
      });
      expect(doneAt.length).toBeGreaterThanOrEqual(2);
      expect(versions.has(readFileSync(file, 'utf8'))).toBe(true);
    }
  }, 60_000); // 16 s of the default 30 on a loaded machine
});

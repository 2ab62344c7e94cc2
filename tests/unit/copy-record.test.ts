import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { CopyRecord, copyIdentity, type CopiedPage } from '../../src/snapshot/copy-record.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'herald-record-'));
  dirs.push(d);
  return d;
};

describe('copyIdentity', () => {
  const dist = tempDir();
  mkdirSync(join(dist, 'server/chunks'), { recursive: true });
  writeFileSync(join(dist, 'server/entry.mjs'), 'export {}');
  writeFileSync(join(dist, 'server/chunks/Base_Ab12.mjs'), 'a');
  const config = (env: Record<string, string> = {}) =>
    loadConfig({ DATA_DIR: '/srv/herald', ADMIN_TOKEN: 'test-admin-token-0123456789abcdef', ...env });

  it('is the same for the same build and configuration', () => {
    expect(copyIdentity(config(), dist)).toBe(copyIdentity(config(), dist));
  });

  it('is another for another build: a file renamed (its content hash) or of another size', () => {
    const before = copyIdentity(config(), dist);
    writeFileSync(join(dist, 'server/chunks/Base_Ab12.mjs'), 'ab');
    const resized = copyIdentity(config(), dist);
    expect(resized).not.toBe(before);
    rmSync(join(dist, 'server/chunks/Base_Ab12.mjs'));
    writeFileSync(join(dist, 'server/chunks/Base_Cd34.mjs'), 'ab');
    expect(copyIdentity(config(), dist)).not.toBe(resized);
  });

  it('is another for another setting, and the same whatever the secrets', () => {
    const before = copyIdentity(config(), dist);
    expect(copyIdentity(config({ SITE_TIMEZONE: 'Europe/Berlin' }), dist)).not.toBe(before);
    expect(copyIdentity(config({ ADMIN_TOKEN: 'another-admin-token-0123456789abcdef', ADMIN_PASSWORD: 'correct horse' }), dist)).toBe(
      before,
    );
  });
});

describe('CopyRecord', () => {
  const assets = ['/_astro/Base.css'];
  const pages = new Map<string, CopiedPage>([
    ['INC-1', { digest: 'd1', assets }],
    ['INC-2', { digest: 'd2', assets }],
    ['MNT-1', { digest: 'd3', assets: ['/_astro/Base.css', '/_astro/facts.css'] }],
  ]);

  /** A folder as a copy leaves it, and the record beside it. */
  const copied = () => {
    const folder = join(tempDir(), 'static');
    mkdirSync(folder);
    return { folder, file: `${folder}-pages.json` };
  };

  it('reads back the pages it wrote, beside the folder', async () => {
    const { folder, file } = copied();
    await new CopyRecord(folder, 'build-1').write(pages);
    expect(existsSync(file)).toBe(true);
    expect(new CopyRecord(folder, 'build-1').read()).toEqual(pages);
  });

  it('reads no page once another folder is in its place (a restore, a copy made by hand)', async () => {
    const { folder } = copied();
    await new CopyRecord(folder, 'build-1').write(pages);
    renameSync(folder, `${folder}.old`);
    mkdirSync(folder);
    expect(new CopyRecord(folder, 'build-1').read().size).toBe(0);
    rmSync(folder, { recursive: true });
    expect(new CopyRecord(folder, 'build-1').read().size).toBe(0);
  });

  it('reads no page from a record of another identity, an unreadable one, or none', async () => {
    const { folder, file } = copied();
    expect(new CopyRecord(folder, 'build-1').read().size).toBe(0);
    await new CopyRecord(folder, 'build-1').write(pages);
    expect(new CopyRecord(folder, 'build-2').read().size).toBe(0);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    for (const text of ['{"identity": "build-1", "li', JSON.stringify({ ...written, pages: { 'INC-1': ['d1', '0'] } }), '[]']) {
      writeFileSync(file, text);
      expect(new CopyRecord(folder, 'build-1').read().size, text).toBe(0);
    }
  });

  it('is gone once dropped, and a write a crash cut short is cleared at the next read', async () => {
    const { folder, file } = copied();
    const record = new CopyRecord(folder, 'build-1');
    await record.write(pages);
    await record.drop();
    expect(existsSync(file)).toBe(false);
    await record.drop(); // none to drop: no error
    writeFileSync(`${file}.tmp`, '{"identity": "bu');
    expect(record.read().size).toBe(0);
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });
});

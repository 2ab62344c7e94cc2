import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Store } from '../../src/store/store.ts';
import { CorruptDataFile, DurableJsonFile } from '../../src/store/durable-file.ts';
import { Unavailable } from '../../src/domain/errors.ts';
import { dbSchema, emptyDb } from '../../src/domain/model.ts';
import { removeDir, tempDataDir } from '../helpers/server.ts';
import { chmodIsEffective } from '../helpers/fs.ts';

const docSchema = z.object({ n: z.number().int(), items: z.array(z.string()) });
type Doc = z.infer<typeof docSchema>;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o700);
    removeDir(d);
  }
});

/** A Store over a real DurableJsonFile in a fresh temp folder, already holding one committed write. */
async function openStore() {
  const dir = tempDataDir('herald-store-');
  dirs.push(dir);
  const file = join(dir, 'doc.json');
  const store = new Store<Doc>(new DurableJsonFile(file, docSchema), { n: 0, items: [] });
  await store.load();
  await store.update((d) => {
    d.n = 1;
    d.items.push('first');
  });
  return { dir, file, store, bytes: () => readFileSync(file) };
}

describe('Store', () => {
  it('commits a change to memory and disk, bumps the version and tells listeners', async () => {
    const { file, store } = await openStore();
    const seen: number[] = [];
    store.onChange((d) => seen.push(d.n));
    const result = await store.update((d) => {
      d.n += 1;
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(store.data.n).toBe(2);
    expect(store.version).toBe(2);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 2, items: ['first'] });
    expect(seen).toEqual([2]);
  });

  it('a throwing verb leaves data, version and file unchanged, and the next update still works', async () => {
    const { store, bytes } = await openStore();
    const before = bytes();
    const data = structuredClone(store.data);
    await expect(
      store.update((d) => {
        d.n = 99;
        d.items.push('half-done');
        throw new Error('verb refused');
      }),
    ).rejects.toThrow('verb refused');
    expect(store.data).toEqual(data);
    expect(store.version).toBe(1);
    expect(bytes().equals(before)).toBe(true);
    await store.update((d) => void (d.n = 3));
    expect(store.data.n).toBe(3);
  });

  it('a failing write (the temp file cannot be created) leaves data, version and file unchanged', async () => {
    const { dir, store, bytes } = await openStore();
    const before = bytes();
    const data = structuredClone(store.data);
    // A folder where writeFileDurably wants its temp file: open(2) fails, even as root.
    const blocker = join(dir, `.doc.json.${process.pid}.tmp`);
    mkdirSync(blocker);
    const err = await store.update((d) => void (d.n = 42)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unavailable);
    expect(err).toMatchObject({ code: 'storage_unavailable' });
    expect(store.data).toEqual(data);
    expect(store.version).toBe(1);
    expect(bytes().equals(before)).toBe(true);
    removeDir(blocker);
    await store.update((d) => void (d.n = 43));
    expect(JSON.parse(bytes().toString()).n).toBe(43);
  });

  it.skipIf(!chmodIsEffective())('a failing write (read-only folder) leaves data, version and file unchanged', async () => {
    const { dir, store, bytes } = await openStore();
    const before = bytes();
    const data = structuredClone(store.data);
    chmodSync(dir, 0o500);
    await expect(store.update((d) => void (d.n = 42))).rejects.toMatchObject({ status: 503, code: 'storage_unavailable' });
    expect(store.data).toEqual(data);
    expect(store.version).toBe(1);
    expect(bytes().equals(before)).toBe(true);
  });

  it('readers never see a change before it is on disk', async () => {
    const seenDuringWrite: number[] = [];
    class Watching extends DurableJsonFile<Doc> {
      override async write(data: Doc): Promise<void> {
        seenDuringWrite.push(store.data.n);
        await super.write(data);
      }
    }
    const dir = tempDataDir('herald-store-');
    dirs.push(dir);
    const store: Store<Doc> = new Store<Doc>(new Watching(join(dir, 'doc.json'), docSchema), { n: 0, items: [] });
    await store.load();
    await store.update((d) => void (d.n = 1));
    await store.update((d) => void (d.n = 7));
    expect(seenDuringWrite).toEqual([0, 1]);
    expect(store.data.n).toBe(7);
  });

  it('serializes concurrent updates: none is lost', async () => {
    const { file, store } = await openStore();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.update((d) => void d.items.push(`w${i}`))));
    expect(store.data.items).toHaveLength(21);
    expect(JSON.parse(readFileSync(file, 'utf8')).items).toEqual(store.data.items);
    expect(store.version).toBe(21);
  });

  it('a listener that throws does not turn a committed write into a failure', async () => {
    const { store } = await openStore();
    store.onChange(() => {
      throw new Error('listener bug');
    });
    const seen: number[] = [];
    store.onChange((d) => seen.push(d.n));
    await expect(store.update((d) => void (d.n = 5))).resolves.toBeUndefined();
    expect(store.data.n).toBe(5);
    expect(seen).toEqual([5]);
  });
});

describe('DurableJsonFile: the data file is validated on read and never overwritten', () => {
  const cases: Array<[string, string]> = [
    ['not JSON', '{"schema_version": 1, '],
    ['an empty file', ''],
    ['valid JSON of the wrong shape', JSON.stringify({ schema_version: 2, components: 'x' })],
    [
      'a component with an unknown status',
      JSON.stringify({
        ...emptyDb('p', '2026-11-22T09:00:00.000Z'),
        components: [
          {
            id: 'a',
            name: 'A',
            description: null,
            group: null,
            status: 'on_fire',
            position: 1,
            created_at: '2026-11-22T09:00:00.000Z',
            updated_at: '2026-11-22T09:00:00.000Z',
          },
        ],
      }),
    ],
  ];
  it.each(cases)('refuses %s with a clear message and leaves it byte-identical', async (_name, content) => {
    const dir = tempDataDir('herald-corrupt-');
    dirs.push(dir);
    const file = join(dir, 'herald.json');
    writeFileSync(file, content);
    const store = new Store(new DurableJsonFile(file, dbSchema), emptyDb('p', '2026-11-22T09:00:00.000Z'));
    const err = await store.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataFile);
    expect((err as Error).message).toMatch(/^Refusing to start: .*herald\.json is not a valid Herald data file .*It has not been changed/);
    expect(readFileSync(file, 'utf8')).toBe(content);
  });

  it('reads a missing file as "use the defaults"', async () => {
    const dir = tempDataDir('herald-missing-');
    dirs.push(dir);
    const store = new Store<Doc>(new DurableJsonFile(join(dir, 'doc.json'), docSchema), { n: 5, items: [] });
    await store.load();
    expect(store.data).toEqual({ n: 5, items: [] });
  });
});

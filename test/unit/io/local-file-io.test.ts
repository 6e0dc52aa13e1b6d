import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlreadyExistsError, NotFoundError, type FileInfo } from '../../../core/io/file-io.ts';
import { LocalFileIO } from '../../../core/io/local-file-io.ts';

const io = new LocalFileIO();
const roots: string[] = [];
let root: string;
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

async function collect(iterable: AsyncIterable<FileInfo>): Promise<string[]> {
  const paths: string[] = [];
  for await (const info of iterable) paths.push(info.path);
  return paths;
}

/** Every name on disk under `dir`, hidden ones included, to catch leftover temporary files. */
async function everything(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    if (part === 'THROW') throw new Error('source broke halfway');
    yield utf8(part);
  }
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'floe-local-io-'));
  roots.push(root);
});
afterAll(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

describe('LocalFileIO', () => {
  it('round-trips through file:///, Java-style file:/ and plain paths, creating directories', async () => {
    await io.write(`file://${root}/a/b/one.json`, utf8('one'));
    await io.write(`file:${root}/a/c/two.json`, utf8('two'));
    await io.write(`${root}/three.json`, utf8('three'));
    expect(text(await io.read(`${root}/a/b/one.json`))).toBe('one');
    expect(text(await io.read(`file://${root}/a/c/two.json`))).toBe('two');
    expect(text(await io.read(`file:${root}/three.json`))).toBe('three');
    expect(await io.stat(`file:${root}/a/b/one.json`)).toMatchObject({ path: `file:${root}/a/b/one.json`, size: 3 });
  });

  it('reads ranges from a file handle, short at the end and empty past it', async () => {
    const path = `file://${root}/range.bin`;
    await io.write(path, utf8('0123456789'));
    expect(text(await io.readRange(path, 2, 3))).toBe('234');
    expect(text(await io.readRange(path, 6, 4))).toBe('6789');
    expect(text(await io.readRange(path, 8, 100))).toBe('89');
    expect((await io.readRange(path, 10, 5)).length).toBe(0);
    expect((await io.readRange(path, 50, 5)).length).toBe(0);
    expect((await io.readRange(path, 3, 0)).length).toBe(0);
    // "the rest of the file" allocates only what the file holds
    expect(text(await io.readRange(path, 7, Number.MAX_SAFE_INTEGER))).toBe('789');
    await expect(io.readRange(path, -1, 3)).rejects.toBeInstanceOf(RangeError);
  });

  it('reports missing files as null from stat and NotFoundError naming the location from reads', async () => {
    const path = `file://${root}/nope/missing.avro`;
    expect(await io.stat(path)).toBeNull();
    await expect(io.read(path)).rejects.toBeInstanceOf(NotFoundError);
    await expect(io.read(path)).rejects.toThrow(path);
    await expect(io.readRange(path, 0, 1)).rejects.toBeInstanceOf(NotFoundError);
    // A directory is not an object, and nothing exists beneath a file.
    await io.write(`${root}/file.txt`, utf8('x'));
    expect(await io.stat(`file://${root}/nope`)).toBeNull();
    await mkdir(join(root, 'dir'));
    expect(await io.stat(`file://${root}/dir`)).toBeNull();
    expect(await io.stat(`file://${root}/file.txt/below`)).toBeNull();
  });

  it('replaces a file on a plain write and refuses with ifAbsent, leaving it unchanged', async () => {
    const path = `file://${root}/metadata/v1.metadata.json`;
    await io.write(path, utf8('first'), { ifAbsent: true });
    const second = io.write(path, utf8('second'), { ifAbsent: true });
    await expect(second).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(second).rejects.toThrow(path);
    expect(text(await io.read(path))).toBe('first');
    await expect(io.writeStream(path, chunks('third'), { ifAbsent: true })).rejects.toBeInstanceOf(AlreadyExistsError);
    await io.write(path, utf8('replaced'));
    expect(text(await io.read(path))).toBe('replaced');
    expect(await everything(root)).toEqual(['metadata', 'metadata/v1.metadata.json']);
  });

  it('lets exactly one of many concurrent ifAbsent writers win', async () => {
    const path = `${root}/race/v2.metadata.json`;
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => io.write(path, utf8(`writer ${i}`), { ifAbsent: true })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
    expect(text(await io.read(path))).toBe(`writer ${won[0]}`);
    expect(await everything(root)).toEqual(['race', 'race/v2.metadata.json']);
  });

  it('streams into place, counting bytes, invisible until complete', async () => {
    const path = `file://${root}/data/part-0.parquet`;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let started!: () => void;
    const midway = new Promise<void>((resolve) => { started = resolve; });
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield utf8('head-');
      started();
      await gate;
      yield utf8('tail');
    }
    const writing = io.writeStream(path, slow());
    await midway;
    expect(await io.stat(path)).toBeNull();
    expect(await collect(io.list(`file://${root}/`))).toEqual([]);
    release();
    expect(await writing).toBe(9);
    expect(text(await io.read(path))).toBe('head-tail');
  });

  it('leaves nothing behind when the source throws, and rethrows its error', async () => {
    const path = `${root}/data/broken.parquet`;
    await expect(io.writeStream(path, chunks('a', 'b', 'THROW', 'c'))).rejects.toThrow('source broke halfway');
    expect(await io.stat(path)).toBeNull();
    expect(await everything(root)).toEqual(['data']);
  });

  it('stops at once on abort, even while the source waits, and leaves nothing behind', async () => {
    const path = `${root}/data/aborted.parquet`;
    const controller = new AbortController();
    async function* stalls(): AsyncGenerator<Uint8Array> {
      yield utf8('some bytes');
      controller.abort(new Error('user cancelled the run'));
      await new Promise(() => undefined);
    }
    await expect(io.writeStream(path, stalls(), { signal: controller.signal })).rejects.toThrow('user cancelled the run');
    expect(await everything(root)).toEqual(['data']);
    await expect(io.write(path, utf8('x'), { signal: controller.signal })).rejects.toThrow('user cancelled the run');
    expect(await everything(root)).toEqual(['data']);
  });

  it('deletes files and ignores ones that are not there', async () => {
    await io.write(`${root}/d/keep.txt`, utf8('k'));
    await io.write(`${root}/d/a.txt`, utf8('a'));
    await io.delete([`file://${root}/d/a.txt`, `file:${root}/d/never.txt`, `${root}/d/keep.txt/below`]);
    expect(await everything(root)).toEqual(['d', 'd/keep.txt']);
    await io.delete([]);
  });

  it('lists recursively in lexicographic order of location, in the caller\'s spelling', async () => {
    // "a-b" sorts before "a/x" ('-' < '/'), though the directory "a" sorts before the file "a-b".
    for (const name of ['a/x', 'a-b', 'a/y/z', 'b', 'a0', 'ab/c']) await io.write(`${root}/t/${name}`, utf8(name));
    const expected = ['a-b', 'a/x', 'a/y/z', 'a0', 'ab/c', 'b'];
    expect(await collect(io.list(`file://${root}/t/`))).toEqual(expected.map((n) => `file://${root}/t/${n}`));
    expect(await collect(io.list(`file:${root}/t`))).toEqual(expected.map((n) => `file:${root}/t/${n}`));
    // a prefix is a string prefix: "t/a" matches a-b, a/..., a0 and ab/c but not b
    expect(await collect(io.list(`${root}/t/a`))).toEqual(expected.slice(0, 5).map((n) => `${root}/t/${n}`));
    expect(await collect(io.list(`${root}/t/a/`))).toEqual([`${root}/t/a/x`, `${root}/t/a/y/z`]);
    expect(await collect(io.list(`${root}/t/nothing-here/`))).toEqual([]);
    expect(await collect(io.list(`${root}/not-a-dir/x`))).toEqual([]);
  });

  it('reports sizes and times in list results and skips other writers\' temporary files', async () => {
    await io.write(`${root}/s/data.bin`, new Uint8Array(42));
    await writeFile(join(root, 's', '.data2.bin.floe-tmp-0123456789ab'), 'in progress');
    const listed: FileInfo[] = [];
    for await (const info of io.list(`${root}/s/`)) listed.push(info);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ path: `${root}/s/data.bin`, size: 42 });
    expect(listed[0]!.lastModified).toBeInstanceOf(Date);
  });

  it('names the operation and location when a write fails, and refuses other schemes', async () => {
    await io.write(`${root}/blocker`, utf8('a file where a directory should be'));
    const path = `file://${root}/blocker/child.json`;
    await expect(io.write(path, utf8('x'))).rejects.toThrow(`Local write ${path} failed`);
    await expect(io.read('s3://bucket/key')).rejects.toThrow('s3://bucket/key');
    await expect(io.read('relative/path')).rejects.toThrow(/absolute/);
  });
});

/**
 * Decompresses record batches ahead of the parser, a bounded number at a time. gzip (and zstd
 * where zlib has it) runs in one worker thread shared by the process: it reads the compressed
 * bytes from, and writes the result into, shared memory slots that are reused batch after batch.
 * So the main thread, which parses, neither inflates nor allocates a buffer per batch (at W1's
 * 1.3 GB of JSON, those allocations alone cost it seconds of garbage collection). The other
 * codecs are pure JS and run on the main thread; so does everything if no worker can start.
 */
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { Codec, decompress } from '../kafka-codecs.ts';

export interface Inflated {
  data: Buffer;
  /** The buffer may be reused after this: call once the batch is parsed. */
  release(): void;
}

// Plain JS (a worker evaluated from a string needs no file next to the bundle): inflate, then
// copy into the slot, or hand over a bigger result whole when it does not fit.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
parentPort.on('message', (job) => {
  try {
    const input = Buffer.from(job.input, 0, job.length);
    const out = job.codec === 1 ? zlib.gunzipSync(input, { chunkSize: job.chunkSize }) : zlib.zstdDecompressSync(input);
    if (out.length <= job.output.byteLength) {
      new Uint8Array(job.output).set(out);
      parentPort.postMessage({ id: job.id, length: out.length });
    } else {
      const whole = new Uint8Array(out);
      parentPort.postMessage({ id: job.id, length: out.length, whole: whole.buffer }, [whole.buffer]);
    }
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) });
  }
});
`;

interface Reply { id: number; length: number; whole?: ArrayBuffer; error?: string }

interface Slot { input: SharedArrayBuffer; output: SharedArrayBuffer; free: boolean }

const nativeZstd = typeof (zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';

/** The process's inflate worker: started on first use, holding the process open only while it has work. */
class InflateWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  broken: Error | null = null;

  constructor() {
    this.worker = new Worker(WORKER, { eval: true });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(r);
    });
    const fail = (err: Error) => {
      this.broken ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the inflate worker exited (${code})`)));
  }

  run(job: { codec: number; input: SharedArrayBuffer; length: number; output: SharedArrayBuffer; chunkSize: number }): Promise<Reply> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...job });
    });
  }
}

let shared: InflateWorker | null | undefined;

function inflateWorker(): InflateWorker | null {
  if (shared === undefined) {
    try {
      shared = new InflateWorker();
    } catch {
      shared = null; // no worker threads here: the main thread inflates
    }
  }
  return shared?.broken ? null : shared;
}

const roundUp = (n: number, min: number) => 2 ** Math.ceil(Math.log2(Math.max(n, min)));

export class Inflater {
  private readonly queue: { codec: number; data: Buffer; resolve: (x: Inflated) => void; reject: (e: unknown) => void }[] = [];
  private active = 0;
  private readonly slots: Slot[] = [];

  constructor(private readonly maxActive = 4) {}

  /** Decompressed in call order as slots free up; at most `maxActive` unreleased at a time. */
  inflate(codec: number, data: Buffer): Promise<Inflated> {
    return new Promise((resolve, reject) => {
      this.queue.push({ codec, data, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.maxActive && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.active++;
      this.start(job.codec, job.data).then(job.resolve, (err) => { this.done(); job.reject(err); });
    }
  }

  private done(): void {
    this.active--;
    this.pump();
  }

  private async start(codec: number, data: Buffer): Promise<Inflated> {
    const worker = codec === Codec.gzip || (codec === Codec.zstd && nativeZstd) ? inflateWorker() : null;
    if (worker) {
      try {
        return await this.inWorker(worker, codec, data);
      } catch (err) {
        if (!worker.broken) throw err; // the data is bad; a worker that died instead falls back below
      }
    }
    const out = await decompress(codec, data);
    let released = false;
    return { data: out, release: () => { if (!released) { released = true; this.done(); } } };
  }

  private async inWorker(worker: InflateWorker, codec: number, data: Buffer): Promise<Inflated> {
    // gzip's last 4 bytes give the size; for zstd, guess, and take a bigger result whole if wrong.
    const hint = codec === Codec.gzip && data.length >= 18 ? data.readUInt32LE(data.length - 4) : data.length * 4;
    const expected = Math.min(hint + 64, 64 * 1024 * 1024);
    let slot = this.slots.find((s) => s.free);
    if (!slot) {
      slot = { input: new SharedArrayBuffer(0), output: new SharedArrayBuffer(0), free: true };
      this.slots.push(slot);
    }
    slot.free = false;
    if (slot.input.byteLength < data.length) slot.input = new SharedArrayBuffer(roundUp(data.length, 64 * 1024));
    if (slot.output.byteLength < expected) slot.output = new SharedArrayBuffer(roundUp(expected, 256 * 1024));
    new Uint8Array(slot.input).set(data);
    const s = slot;
    let reply: Reply;
    try {
      reply = await worker.run({ codec, input: s.input, length: data.length, output: s.output, chunkSize: Math.max(expected, 64 * 1024) });
    } catch (err) {
      s.free = true;
      throw err;
    }
    if (reply.error !== undefined) {
      s.free = true;
      // The same message the main-thread path gives (it names the codec and what to do).
      await decompress(codec, data);
      throw new Error(`decompressing a Kafka batch failed: ${reply.error}`);
    }
    const out = reply.whole ? Buffer.from(reply.whole) : Buffer.from(s.output, 0, reply.length);
    let released = false;
    return { data: out, release: () => { if (!released) { released = true; s.free = true; this.done(); } } };
  }
}

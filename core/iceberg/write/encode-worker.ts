/**
 * An encoder worker thread (started by encode-pool.ts): receives a data file's rows as an Arrow
 * IPC stream, encodes them with the same code the writer's own thread would (encode-file.ts), and
 * posts back the Parquet bytes and metrics. Parquet encoding in wasm is synchronous and is most of
 * a write's CPU time: in workers, files encode in parallel while the writer's thread goes on
 * reading, partitioning and uploading.
 */
import { parentPort } from 'node:worker_threads';
import { tableFromIPC } from 'apache-arrow';
import { encodeDataFile } from './encode-file.ts';
import type { EncodeReply, EncodeRequest } from './encode-pool.ts';

if (!parentPort) throw new Error('encode-worker.ts is the entry of an encoder worker thread; encode-pool.ts starts it');
const port = parentPort;

// One file at a time: two encodes interleaved at their awaits would hold two files in wasm memory.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: EncodeRequest) => {
  queue = queue.then(() => encode(request));
});
port.postMessage({ ready: true });

async function encode(request: EncodeRequest): Promise<void> {
  let reply: EncodeReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const table = tableFromIPC(request.ipc);
    const file = await encodeDataFile(request.schema, table.schema, table.batches, request.options);
    const bytes = ownBuffer(file.bytes);
    transfer.push(bytes.buffer as ArrayBuffer);
    reply = { id: request.id, file: { ...file, bytes } };
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, transfer);
}

/**
 * The bytes in an ArrayBuffer of their own, which can be transferred without a copy. A small
 * Buffer may live in Node's shared allocation pool: transferring that would detach the pool.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes
    : new Uint8Array(bytes); // a copy (Buffer#slice would be a view)
}

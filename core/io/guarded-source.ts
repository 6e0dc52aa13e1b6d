/** A writeStream source wrapped so that writers can count it, report its failure, and abort it. */

/**
 * Passes a source through, counting its bytes and remembering its failure. An abort fails the
 * stream at once, even while the source is still waiting for its next chunk.
 */
export class GuardedSource implements AsyncIterable<Uint8Array> {
  bytes = 0;
  failure: unknown;

  constructor(private readonly source: AsyncIterable<Uint8Array>, private readonly signal?: AbortSignal) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const iterator = this.source[Symbol.asyncIterator]();
    let finished = false;
    try {
      while (true) {
        const next = await untilAborted(iterator.next(), this.signal);
        if (next.done) {
          finished = true;
          return;
        }
        this.bytes += next.value.byteLength;
        if (next.value.byteLength > 0) yield next.value;
      }
    } catch (error) {
      this.failure = error;
      throw error;
    } finally {
      // Let the source release what it holds; not awaited, as a source blocked in next() would
      // only answer return() once that next() settles.
      if (!finished) iterator.return?.().catch(() => undefined);
    }
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

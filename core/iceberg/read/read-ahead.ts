/**
 * Streams consumed in order while the next few already run. A scan decodes files on the libuv
 * pool (the native Parquet codec), one batch at a time per file: reading one file at a time keeps
 * one core busy, so the files after it start early, each holding at most a few batches.
 */

/** One stream running ahead of its turn, holding at most `limit` items until they are taken. */
class Prefetch<T> {
  private readonly items: T[] = [];
  private done = false;
  private error: { err: unknown } | null = null;
  private stopped = false;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;
  private readonly running: Promise<void>;

  constructor(stream: AsyncIterable<T>, private readonly limit: number) {
    this.running = this.pump(stream);
  }

  private async pump(stream: AsyncIterable<T>): Promise<void> {
    try {
      for await (const item of stream) {
        this.items.push(item);
        this.notifyConsumer();
        while (this.items.length >= this.limit && !this.stopped) await new Promise<void>((resolve) => { this.wakeProducer = resolve; });
        if (this.stopped) return; // leaving the loop ends the stream (its finally blocks run)
      }
    } catch (err) {
      this.error = { err };
    } finally {
      this.done = true;
      this.notifyConsumer();
    }
  }

  private notifyConsumer(): void {
    const w = this.wakeConsumer;
    this.wakeConsumer = null;
    w?.();
  }

  private notifyProducer(): void {
    const w = this.wakeProducer;
    this.wakeProducer = null;
    w?.();
  }

  /** The next item, or undefined at the end; throws the stream's error in its place. */
  async next(): Promise<{ value: T } | undefined> {
    for (;;) {
      if (this.items.length > 0) {
        const value = this.items.shift()!;
        this.notifyProducer();
        return { value };
      }
      if (this.error) throw this.error.err;
      if (this.done) return undefined;
      await new Promise<void>((resolve) => { this.wakeConsumer = resolve; });
    }
  }

  /** Stops the stream and waits for it to let go of what it holds. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.notifyProducer();
    await this.running;
  }
}

/**
 * The items of each stream `streams` gives, stream after stream, with up to `ahead` of the
 * following streams started early, each buffering at most `buffer` items. `ahead` 0 reads one
 * stream at a time. Stopping the iteration stops every stream started.
 */
export async function* readAhead<T>(streams: AsyncIterable<AsyncIterable<T>>, ahead: number, buffer: number): AsyncGenerator<T> {
  if (ahead <= 0) {
    for await (const s of streams) yield* s;
    return;
  }
  const source = streams[Symbol.asyncIterator]();
  const running: Prefetch<T>[] = [];
  let sourceDone = false;
  const fill = async () => {
    while (!sourceDone && running.length <= ahead) {
      const n = await source.next();
      if (n.done) sourceDone = true;
      else running.push(new Prefetch(n.value, buffer));
    }
  };
  try {
    await fill();
    while (running.length > 0) {
      const item = await running[0]!.next();
      if (item) {
        yield item.value;
        continue;
      }
      running.shift();
      await fill();
    }
  } finally {
    await Promise.all(running.map((p) => p.stop()));
    if (!sourceDone) await source.return?.();
  }
}

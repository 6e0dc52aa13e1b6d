/**
 * What a measured phase cost this process: CPU time (all threads) and peak resident memory.
 * Peak RSS two ways: sampled every 100 ms, and the
 * kernel's own high-water mark (VmHWM, reset at the start through /proc/self/clear_refs). The
 * sampler runs in a worker thread because the main thread spends seconds at a time inside
 * synchronous wasm (Parquet encoding): a setInterval there would miss exactly the peaks.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const SAMPLER = `
const { workerData } = require('node:worker_threads');
const peak = new BigInt64Array(workerData.shared);
const sample = () => {
  const rss = BigInt(process.memoryUsage.rss()); // the whole process, not this thread
  if (rss > Atomics.load(peak, 0)) Atomics.store(peak, 0, rss);
  Atomics.add(peak, 1, 1n);
};
sample();
setInterval(sample, workerData.intervalMs);
`;

export interface RssPeak {
  /** Largest sampled RSS, bytes. */
  sampled: number;
  samples: number;
  /** Kernel high-water mark since start(), bytes; null where /proc is unavailable. */
  highWater: number | null;
  /** RSS when measuring started, bytes. */
  baseline: number;
}

export interface PhaseCost {
  rss: RssPeak;
  /** User + system CPU time of the whole process (all threads) during the phase. */
  cpuMs: number;
}

export class PhaseMeter {
  private readonly shared = new SharedArrayBuffer(16);
  private readonly peak = new BigInt64Array(this.shared);
  private readonly worker: Worker;
  private readonly baseline: number;
  private readonly canResetHighWater: boolean;
  private readonly cpuStart = process.cpuUsage();

  constructor(intervalMs = 100) {
    this.canResetHighWater = resetHighWater();
    this.baseline = process.memoryUsage.rss();
    this.worker = new Worker(SAMPLER, { eval: true, workerData: { shared: this.shared, intervalMs } });
    this.worker.unref();
  }

  async stop(): Promise<PhaseCost> {
    const cpu = process.cpuUsage(this.cpuStart);
    const highWater = this.canResetHighWater ? readHighWater() : null;
    await this.worker.terminate();
    const sampled = Math.max(Number(Atomics.load(this.peak, 0)), process.memoryUsage.rss());
    return {
      rss: { sampled, samples: Number(Atomics.load(this.peak, 1)), highWater, baseline: this.baseline },
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  }
}

/** Resets VmHWM to the current RSS (Linux >= 4.0). False when not possible. */
function resetHighWater(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return readHighWater() !== null;
  } catch {
    return false;
  }
}

function readHighWater(): number | null {
  try {
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}

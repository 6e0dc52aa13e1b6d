/**
 * DataFileWriter without the native codec (FLOE_PARQUET=wasm, as where it is not built):
 * parquet-wasm, metrics from ColumnStats, checked as with the native codec (writer-cases.ts).
 * These files are small, so they are encoded in the writer's thread; encoder worker threads are
 * tested in test/integration/iceberg/writer-workers.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parquetBackend } from '../../../../core/iceberg/parquet.ts';
import { encoderStatus } from '../../../../core/iceberg/write/encode-pool.ts';
import { writeAndCheck } from './writer-cases.ts';

// Read when the codec is first asked for, which no import does: this file runs in a process of its own.
process.env.FLOE_PARQUET = 'wasm';

describe('DataFileWriter (wasm codec)', () => {
  beforeAll(() => expect(parquetBackend()).toBe('wasm'));

  it.each([[1, 2], [2, 0]])('seed %i, encodeWorkers %i', async (seed, encodeWorkers) => {
    const files = await writeAndCheck(seed, encodeWorkers);
    expect(files.length).toBeGreaterThan(1);
    expect(encoderStatus().backend).toBe('wasm');
  });
});

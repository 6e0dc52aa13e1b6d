/**
 * DataFileWriter with the codec this process has (native where it is built): files hold their
 * rows and ColumnStats' metrics of them (writer-cases.ts), with several files encoding at once
 * and one at a time.
 */
import { describe, expect, it } from 'vitest';
import { parquetBackend } from '../../../../core/iceberg/parquet.ts';
import { encoderStatus } from '../../../../core/iceberg/write/encode-pool.ts';
import { writeAndCheck } from './writer-cases.ts';

describe(`DataFileWriter (${parquetBackend()} codec)`, () => {
  it.each([[1, 3], [2, 1], [3, 0], [4, 2]])('seed %i, %i files at once', async (seed, encodeWorkers) => {
    const files = await writeAndCheck(seed, encodeWorkers);
    expect(files.length, 'files cut by the 64 KiB buffer').toBeGreaterThan(1);
    if (parquetBackend() === 'native') expect(encoderStatus()).toMatchObject({ backend: 'native', workers: 0 });
  });
});

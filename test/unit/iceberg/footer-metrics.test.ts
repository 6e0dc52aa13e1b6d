/**
 * Column metrics from the native codec's Parquet footer (footer-metrics.ts) are the metrics
 * ColumnStats computes from the same rows: for random batches of every top-level primitive type
 * (random-columns.ts), over files of one and of several row groups.
 */
import { describe, expect, it } from 'vitest';
import { makeData, RecordBatch, Struct } from 'apache-arrow';
import { Rng } from '../../../core/demo/random.ts';
import { nativeParquet } from '../../../core/iceberg/parquet-native.ts';
import { arrowSchemaFromIceberg } from '../../../core/iceberg/spec/arrow-schema.ts';
import type { Schema } from '../../../core/iceberg/spec/types.ts';
import { encodeDataFileNative } from '../../../core/iceberg/write/encode-native.ts';
import { arrowColumnOf } from '../../integration/iceberg/arrow-columns.ts';
import { ARROW, jsMetrics, randomBatches, SCHEMA, shown } from './write/random-columns.ts';

const addon = nativeParquet();

describe('metrics from the native footer equal ColumnStats', () => {
  // SEEDS=400 for a longer hunt.
  it.each(Array.from({ length: Number(process.env.SEEDS ?? 60) }, (_, i) => i + 1))('seed %i', async (seed) => {
    const rng = new Rng('footer-metrics', seed);
    const batches = randomBatches(rng, SCHEMA);
    const rows = batches.reduce((n, b) => n + b.numRows, 0);
    // One row group, or several (bounds merged across them).
    const rowGroupRows = rng.chance(0.5) ? 1_000_000 : 1 + rng.int(Math.max(1, rows / 2));
    const file = await encodeDataFileNative(addon!, SCHEMA, ARROW, batches, { compression: 'zstd', rowGroupRows });
    expect(file.rows).toBe(rows);
    expect(shown(SCHEMA, file.metrics!)).toEqual(shown(SCHEMA, jsMetrics(SCHEMA, batches)));
  });

  it('keeps -0.0 and 0.0 apart, and has no bounds for only NaNs or only nulls', async () => {
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [
      { id: 1, name: 'zeros', required: false, type: 'double' }, { id: 2, name: 'negative', required: false, type: 'float' },
      { id: 3, name: 'nans', required: false, type: 'double' }, { id: 4, name: 'nulls', required: false, type: 'string' },
    ] };
    const arrow = arrowSchemaFromIceberg(schema);
    const batch = new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: 3, nullCount: 0, children: [
      arrowColumnOf('double', [-0, 0, -0]), arrowColumnOf('float', [-0, null, -1]), arrowColumnOf('double', [NaN, null, NaN]),
      arrowColumnOf('string', [null, null, null]),
    ] }));
    const { metrics } = await encodeDataFileNative(addon!, schema, arrow, [batch], { compression: 'zstd', rowGroupRows: 2 });
    expect(Buffer.from(metrics!.get(1)!.lowerBound!).toString('hex')).toBe('0000000000000080'); // -0.0
    expect(Buffer.from(metrics!.get(1)!.upperBound!).toString('hex')).toBe('0000000000000000'); // 0.0
    expect(Buffer.from(metrics!.get(2)!.upperBound!).toString('hex')).toBe('00000080'); // -0.0: no 0.0 occurred
    expect(metrics!.get(3)).toMatchObject({ valueCount: 3n, nullCount: 1n, nanCount: 2n, lowerBound: null, upperBound: null });
    expect(metrics!.get(4)).toMatchObject({ valueCount: 3n, nullCount: 3n, nanCount: null, lowerBound: null, upperBound: null });
    expect(shown(schema, metrics!)).toEqual(shown(schema, jsMetrics(schema, [batch])));
  });

  it('leaves out an upper bound the footer cannot tell, and keeps the rest', async () => {
    // The footer keeps 72 bytes of the max and increments its last character that stays as
    // wide: not U+007F, so it cuts back to "...ab", where Iceberg's bound ends in U+0080.
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 's', required: false, type: 'string' }] };
    const arrow = arrowSchemaFromIceberg(schema);
    const max = `${'a'.repeat(10)}${'\u007f'.repeat(70)}`;
    const batch = new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: 2, nullCount: 0, children: [arrowColumnOf('string', ['0', max])] }));
    const { metrics } = await encodeDataFileNative(addon!, schema, arrow, [batch], { compression: 'zstd', rowGroupRows: 10 });
    const js = jsMetrics(schema, [batch]).get(1)!;
    expect(js.upperBound).not.toBeNull();
    expect(metrics!.get(1)).toEqual({ ...js, upperBound: null });
  });
});

/**
 * Seeded random batches of one column per top-level primitive Iceberg type, leaning on what
 * column metrics must get right: nulls, all-null columns, NaN and -0.0, extreme values, non-BMP
 * text, strings and binary longer than the 16 kept and than a Parquet footer keeps, runs of
 * U+10FFFF and 0xFF where truncated bounds are incremented, uuids on both sides of the sign bits.
 * And ColumnStats' metrics of such batches: what every writer path must produce.
 */
import { makeData, RecordBatch, Struct } from 'apache-arrow';
import type { Rng } from '../../../../core/demo/random.ts';
import { arrowSchemaFromIceberg } from '../../../../core/iceberg/spec/arrow-schema.ts';
import { ColumnStats, type ColumnMetrics } from '../../../../core/iceberg/spec/column-stats.ts';
import type { PrimitiveType, Schema } from '../../../../core/iceberg/spec/types.ts';
import { uuidFromBytes } from '../../../../core/iceberg/spec/values.ts';
import { arrowColumnOf } from '../../../integration/iceberg/arrow-columns.ts';
import { randomValue } from '../../../integration/iceberg/spec-random-values.ts';

export const TYPES: PrimitiveType[] = [
  'boolean', 'int', 'long', 'float', 'double', 'decimal(1, 0)', 'decimal(9, 2)', 'decimal(18, 4)', 'decimal(19, 0)',
  'decimal(38, 10)', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid',
  'fixed[3]', 'fixed[100]', 'binary',
];
export const SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: TYPES.map((type, i) => ({ id: i + 1, name: `c${i}_${type.replace(/\W+/g, '_')}`, required: false, type })),
};
export const ARROW = arrowSchemaFromIceberg(SCHEMA);
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/** A value that stresses what a footer keeps of a column of `type`, or a plain random one. */
function edgeValue(rng: Rng, type: PrimitiveType): unknown {
  const r = rng.next();
  switch (type) {
    case 'float': case 'double':
      return r < 0.4 ? rng.pick([NaN, -0, 0, -0, 0, Infinity, -Infinity, -Number.MIN_VALUE]) : randomValue(rng, type);
    case 'string': {
      const plain = () => randomValue(rng, type) as string;
      if (r < 0.15) return plain() + plain() + plain() + plain(); // beyond the 64-plus bytes the footer keeps
      if (r < 0.25) return '😀'.repeat(10 + rng.int(20)); // 4-byte code points only
      if (r < 0.35) return `${'z'.repeat(rng.int(20))}${MAX_CHAR.repeat(rng.int(30))}${rng.chance(0.5) ? 'a' : ''}`;
      if (r < 0.42) return `\uD7FF${'\uD7FF'.repeat(rng.int(20))}x`.repeat(1 + rng.int(4)); // the increment skips surrogates
      if (r < 0.47) return '\u007f'.repeat(10 + rng.int(80)); // arrow-rs will not widen a code point when incrementing
      return plain();
    }
    case 'binary': {
      if (r < 0.2) return Uint8Array.from({ length: 60 + rng.int(60) }, (_, i) => (i < 14 + rng.int(6) ? 0xff - rng.int(2) : 0xff));
      if (r < 0.35) return Uint8Array.from({ length: 17 + rng.int(100) }, () => rng.int(256));
      return randomValue(rng, type);
    }
    case 'uuid':
      // Half the files stay on one side of both sign bits, where uuid bounds are kept.
      return r < 0.5 ? uuidFromBytes(Uint8Array.from({ length: 16 }, (_, i) => (i === 0 || i === 8 ? rng.int(128) : rng.int(256)))) : randomValue(rng, type);
    case 'long':
      return r < 0.1 ? rng.pick([-9223372036854775808n, 9223372036854775807n]) : randomValue(rng, type);
    case 'int':
      return r < 0.1 ? rng.pick([-2147483648, 2147483647]) : randomValue(rng, type);
    case 'decimal(38, 10)':
      return r < 0.1 ? rng.pick([10n ** 38n - 1n, -(10n ** 38n - 1n)]) : randomValue(rng, type);
    default:
      return randomValue(rng, type);
  }
}

/** Per column: sometimes all null, sometimes no null, else a random share of nulls. */
export function randomBatches(rng: Rng, schema: Schema, maxBatches = 4, maxRows = 300): RecordBatch[] {
  const nullShare = schema.fields.map(() => rng.pick([0, 0.1, 0.5, 1, rng.next()]));
  const uuidSafe = rng.chance(0.5);
  return Array.from({ length: 1 + rng.int(maxBatches) }, () => {
    const rows = 1 + rng.int(maxRows);
    const children = schema.fields.map((f, c) => {
      const type = f.type as PrimitiveType;
      const values = Array.from({ length: rows }, () => {
        if (rng.chance(nullShare[c]!)) return null;
        if (type === 'uuid' && uuidSafe) return uuidFromBytes(Uint8Array.from({ length: 16 }, (_, i) => (i === 0 || i === 8 ? rng.int(128) : rng.int(256))));
        return edgeValue(rng, type);
      });
      return arrowColumnOf(type, values);
    });
    const arrow = arrowSchemaFromIceberg(schema);
    return new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: rows, nullCount: 0, children }));
  });
}

/** ColumnStats' metrics of the batches' columns, by field id. */
export function jsMetrics(schema: Schema, batches: RecordBatch[]): Map<number, ColumnMetrics> {
  const out = new Map<number, ColumnMetrics>();
  schema.fields.forEach((f, i) => {
    const stats = new ColumnStats(f.type as PrimitiveType, {}, f.name);
    for (const b of batches) stats.add(b.data.children[i]!);
    out.set(f.id, stats.metrics());
  });
  return out;
}

/** Metrics in a form whose differences read well: bounds as hex. */
export function shown(schema: Schema, m: Map<number, ColumnMetrics>): Record<string, unknown> {
  const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex'));
  return Object.fromEntries(schema.fields.map((f) => {
    const c = m.get(f.id);
    return [f.name, c && { ...c, lowerBound: hex(c.lowerBound), upperBound: hex(c.upperBound) }];
  }));
}

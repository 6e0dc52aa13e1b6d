/**
 * Floe's spec code against PyIceberg 0.12 on thousands of seeded random values: bucket hashes and
 * every other transform, Appendix D bytes, truncated bounds, partition paths, fresh schema ids,
 * name mappings, and Parquet schemas both ways. A difference here is a partition or a bound that
 * PyIceberg (and so Spark and Trino, which agree with it) would compute otherwise.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RecordBatch, Struct, Table, makeBuilder, makeData, tableFromIPC, tableToIPC } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, readParquet, writeParquet } from 'parquet-wasm/node';
import { Rng } from '../../../core/demo/random.ts';
import { arrowSchemaFromIceberg, icebergSchemaFromArrow } from '../../../core/iceberg/spec/arrow-schema.ts';
import { toBytes, truncateLowerBound, truncateUpperBound } from '../../../core/iceberg/spec/bounds.ts';
import { ColumnStats } from '../../../core/iceberg/spec/column-stats.ts';
import { nameMappingFromSchema } from '../../../core/iceberg/spec/name-mapping.ts';
import { partitionPath } from '../../../core/iceberg/spec/partition-path.ts';
import { assignFreshIds } from '../../../core/iceberg/spec/schema-evolution.ts';
import { applyTransform, parseTransform, transformResultType } from '../../../core/iceberg/spec/transforms.ts';
import type { PartitionSpec, PrimitiveType, Schema } from '../../../core/iceberg/spec/types.ts';
import type { IcebergValue } from '../../../core/iceberg/spec/values.ts';
import { parsePrimitive } from '../../../core/iceberg/spec/primitive.ts';
import { testBed } from '../../services/testbed.ts';
import { type Wire, decodeWire, encodeWire, randomValue } from './spec-random-values.ts';
import { arrowColumnOf } from './arrow-columns.ts';

const run = promisify(execFile);
const helper = resolve(import.meta.dirname, 'spec_vs_pyiceberg.py');
const rng = new Rng('spec-vs-pyiceberg', 1);
const VALUES_PER_TYPE = 200;

const TRANSFORMS: Record<string, string[]> = {
  int: ['identity', 'bucket[1]', 'bucket[16]', 'bucket[1000]', 'bucket[2147483647]', 'truncate[1]', 'truncate[10]', 'truncate[7]'],
  long: ['identity', 'bucket[16]', 'bucket[997]', 'truncate[10]', 'truncate[1000003]'],
  date: ['identity', 'bucket[16]', 'year', 'month', 'day'],
  time: ['identity', 'bucket[16]'],
  timestamp: ['bucket[16]', 'year', 'month', 'day', 'hour'],
  timestamptz: ['bucket[5]', 'year', 'month', 'day', 'hour'],
  timestamp_ns: ['bucket[16]', 'year', 'month', 'day', 'hour'],
  timestamptz_ns: ['bucket[16]', 'day', 'hour'],
  string: ['identity', 'bucket[16]', 'bucket[1024]', 'truncate[1]', 'truncate[5]', 'truncate[16]'],
  uuid: ['identity', 'bucket[16]', 'bucket[1000]'],
  binary: ['bucket[16]', 'truncate[3]'],
  'fixed[8]': ['bucket[16]'],
  'decimal(9, 2)': ['bucket[16]', 'truncate[50]', 'truncate[7]'],
  'decimal(38, 10)': ['bucket[32]'],
  'decimal(28, 4)': ['truncate[100]'],
};
const SERIALIZED: PrimitiveType[] = [
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns',
  'timestamptz_ns', 'string', 'uuid', 'binary', 'fixed[8]', 'decimal(9, 2)', 'decimal(38, 10)',
];

interface Answers {
  transforms: Wire[];
  serialized: string[];
  bounds: { lower: string; upper: string | null }[];
  paths: string[];
  fresh_schema: Schema;
  name_mapping: unknown;
  floe_file_schema: Schema;
  metrics: {
    value_counts: Record<string, number>; null_value_counts: Record<string, number>;
    lower_bounds: Record<string, string>; upper_bounds: Record<string, string>;
  };
}

/** A table with every type PyIceberg 0.12 reads from Parquet (it has no nanosecond timestamps). */
const pathSchema: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'window_start', required: true, type: 'timestamptz' },
    { id: 2, name: 'category', required: false, type: 'string' },
    { id: 3, name: 'image_id', required: true, type: 'long' },
    { id: 4, name: 'day', required: false, type: 'date' },
    { id: 5, name: 'local_ts', required: false, type: 'timestamp' },
    { id: 6, name: 'price', required: false, type: 'decimal(9, 2)' },
    { id: 7, name: 'score', required: false, type: 'double' },
    { id: 8, name: 'flag', required: false, type: 'boolean' },
    { id: 9, name: 'blob', required: false, type: 'binary' },
    { id: 10, name: 'uid', required: false, type: 'uuid' },
    { id: 11, name: 'at', required: false, type: 'time' },
    { id: 12, name: 'ratio', required: false, type: 'float' },
  ],
};
const pathSpec: PartitionSpec = {
  'spec-id': 0, fields: [
    ['window_start_day', 1, 'day'], ['category', 2, 'identity'], ['image_bucket', 3, 'bucket[8]'], ['ws_hour', 1, 'hour'],
    ['ws_month', 1, 'month'], ['ws_year', 1, 'year'], ['day', 4, 'identity'], ['local ts', 5, 'identity'], ['ws', 1, 'identity'],
    ['price_t', 6, 'truncate[50]'], ['score', 7, 'identity'], ['flag', 8, 'identity'], ['blob', 9, 'identity'], ['uid', 10, 'identity'],
    ['at', 11, 'identity'], ['ratio', 12, 'identity'], ['cat_t', 2, 'truncate[3]'], ['nothing', 3, 'void'],
  ].map(([name, source, transform], i) => ({
    name: name as string, 'source-id': source as number, 'field-id': 1000 + i, transform: transform as string,
  })),
};

/**
 * Columns for comparing ColumnStats with the metrics PyIceberg reads from the Parquet footer.
 * Left out where the two differ by design: uuid (Floe omits bounds that old Java would misread),
 * NaN and zeros in floats (Parquet statistics widen a zero to -0.0..0.0), 0xFF bytes (bounds.ts).
 */
const METRIC_TYPES: PrimitiveType[] = [
  'int', 'long', 'date', 'time', 'timestamp', 'timestamptz', 'string', 'binary', 'decimal(9, 2)', 'decimal(38, 10)',
  'boolean', 'double', 'float', 'fixed[8]', 'string',
];
const metricsSchema: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: METRIC_TYPES.map((type, i) => ({ id: i + 1, name: `c${i + 1}`, required: false, type })),
};
const ALL_NULL_COLUMN = METRIC_TYPES.length; // the last string column holds only nulls

function metricsValue(type: PrimitiveType, column: number): unknown {
  if (column === ALL_NULL_COLUMN || rng.chance(0.1)) return null;
  const v = randomValue(rng, type, { boundSafe: true });
  return typeof v === 'number' && (type === 'double' || type === 'float') && (Number.isNaN(v) || v === 0) ? 1.5 : v;
}

/** ColumnStats over four batches, and the same batches as one Parquet file of several row groups. */
function metricsFile(): { parquet: Uint8Array; stats: ColumnStats[] } {
  const arrow = arrowSchemaFromIceberg(metricsSchema);
  const stats = metricsSchema.fields.map((f) => new ColumnStats(f.type as PrimitiveType, {}, f.name));
  const batches = Array.from({ length: 4 }, () => {
    const columns = metricsSchema.fields.map((f, i) => {
      const column = arrowColumnOf(f.type as PrimitiveType, Array.from({ length: 250 }, () => metricsValue(f.type as PrimitiveType, f.id)));
      stats[i]!.add(column);
      return column;
    });
    return new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: 250, children: columns }));
  });
  const props = new WriterPropertiesBuilder().setMaxRowGroupSize(300).build();
  return { parquet: writeParquet(WasmTable.fromIPCStream(tableToIPC(new Table(batches), 'stream')), props), stats };
}

let metricsStats: ColumnStats[];

interface Case { type: PrimitiveType; value: IcebergValue | null }
const transformCases: (Case & { transform: string })[] = [];
const serializedCases: Case[] = [];
const boundCases: (Case & { type: 'string' | 'binary'; length: number })[] = [];
const pathCases: { values: unknown[] }[] = [];
let answers: Answers;
let parquetFromPyarrow: string;

beforeAll(async () => {
  for (const [type, transforms] of Object.entries(TRANSFORMS)) {
    for (let i = 0; i < VALUES_PER_TYPE; i++) {
      const value = randomValue(rng, type as PrimitiveType) as IcebergValue;
      for (const transform of transforms) transformCases.push({ transform, type: type as PrimitiveType, value });
    }
  }
  for (const type of SERIALIZED) {
    for (let i = 0; i < VALUES_PER_TYPE; i++) serializedCases.push({ type, value: randomValue(rng, type) as IcebergValue });
  }
  for (let i = 0; i < VALUES_PER_TYPE * 2; i++) {
    const type = i % 2 === 0 ? 'string' : 'binary';
    // No U+10FFFF or 0xFF: there PyIceberg keeps maxed-out trailing characters that Java and Floe drop.
    boundCases.push({ type, value: randomValue(rng, type, { boundSafe: true }) as IcebergValue, length: [16, 16, 3, 1][i % 4]! });
  }
  const byId = new Map(pathSchema.fields.map((f) => [f.id, f.type as PrimitiveType]));
  for (let i = 0; i < VALUES_PER_TYPE; i++) {
    const row = new Map([...byId].map(([id, type]) => [id, rng.chance(0.1) ? null : randomValue(rng, type, { pathy: true })]));
    const values = pathSpec.fields.map((f) => {
      const source = row.get(f['source-id']) as IcebergValue | null;
      return applyTransform(parseTransform(f.transform), byId.get(f['source-id'])!, source);
    });
    pathCases.push({ values });
  }

  const dir = await mkdtemp(join(tmpdir(), 'floe-spec-vs-pyiceberg-'));
  const parquetFromFloe = join(dir, 'from-floe.parquet');
  parquetFromPyarrow = join(dir, 'from-pyarrow.parquet');
  await writeFile(parquetFromFloe, parquetOf(pathSchema));
  const metrics = metricsFile();
  metricsStats = metrics.stats;
  const metricsPath = join(dir, 'metrics.parquet');
  await writeFile(metricsPath, metrics.parquet);
  const encodeAll = (cases: Case[]) => cases.map((c) => ({ ...c, value: encodeWire(c.type, c.value) }));
  const cases = {
    transforms: encodeAll(transformCases), serialized: encodeAll(serializedCases), bounds: encodeAll(boundCases),
    paths: pathCases.map((c) => ({
      schema: pathSchema, spec: pathSpec,
      values: c.values.map((v, i) => encodeWire(resultTypeOf(i), v)),
    })),
    fresh_schema: { ...pathSchema, fields: pathSchema.fields.map((f) => ({ ...f, id: f.id * 10 })) },
    mapping_schema: pathSchema, parquet_from_floe: parquetFromFloe, parquet_from_pyarrow: parquetFromPyarrow,
    metrics_file: metricsPath, metrics_schema: metricsSchema,
  };
  const casesFile = join(dir, 'cases.json');
  await writeFile(casesFile, JSON.stringify(cases));
  const { stdout } = await run(testBed().python, [helper, casesFile], { maxBuffer: 256 * 1024 * 1024 });
  answers = JSON.parse(stdout) as Answers;
});

function resultTypeOf(specIndex: number): PrimitiveType {
  const f = pathSpec.fields[specIndex]!;
  return transformResultType(parseTransform(f.transform), pathSchema.fields.find((s) => s.id === f['source-id'])!.type);
}

function parquetOf(schema: Schema): Uint8Array {
  const arrow = arrowSchemaFromIceberg(schema);
  const children = arrow.fields.map((f) => makeBuilder({ type: f.type, nullValues: [null] }).finish().flush());
  const batch = new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: 0, children }));
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(new Table([batch]), 'stream')));
}

const shown = (c: Case): string => `${c.type} ${JSON.stringify(encodeWire(c.type, c.value))}`;

/** The first few differences, readable, instead of one huge array diff. */
function differences<T>(ours: T[], theirs: T[], describe: (i: number) => string): string[] {
  expect(ours.length).toBe(theirs.length);
  const out: string[] = [];
  for (let i = 0; i < ours.length && out.length < 10; i++) {
    if (JSON.stringify(ours[i]) !== JSON.stringify(theirs[i])) {
      out.push(`${describe(i)}: Floe ${JSON.stringify(ours[i])}, PyIceberg ${JSON.stringify(theirs[i])}`);
    }
  }
  return out;
}

describe('Floe spec code agrees with PyIceberg 0.12', () => {
  it('on every transform of random values, bucket hashes included', () => {
    const ours = transformCases.map((c) => {
      const t = parseTransform(c.transform);
      return encodeWire(transformResultType(t, c.type), applyTransform(t, c.type, c.value));
    });
    expect(transformCases.length).toBeGreaterThan(10_000);
    expect(differences(ours, answers.transforms, (i) => `${transformCases[i]!.transform} of ${shown(transformCases[i]!)}`)).toEqual([]);
  });

  it('on the Appendix D bytes of random values of every primitive type', () => {
    const ours = serializedCases.map((c) => Buffer.from(toBytes(c.type, c.value)).toString('hex'));
    expect(differences(ours, answers.serialized, (i) => shown(serializedCases[i]!))).toEqual([]);
  });

  it('on truncated lower and upper bounds of strings and binary', () => {
    const ours = boundCases.map((c) => {
      const upper = truncateUpperBound(c.type, c.value!, c.length);
      const lower = truncateLowerBound(c.type, c.value!, c.length);
      return { lower: encodeWire(c.type, lower), upper: upper === null ? null : encodeWire(c.type, upper) };
    });
    expect(differences(ours, answers.bounds, (i) => `length ${boundCases[i]!.length}, ${shown(boundCases[i]!)}`)).toEqual([]);
  });

  it('on partition paths, escaping and human strings of every result type', () => {
    const ours = pathCases.map((c) => partitionPath(pathSpec, pathSchema, Object.fromEntries(c.values.map((v, i) => [1000 + i, v]))));
    expect(differences(ours, answers.paths, (i) => `row ${i}`)).toEqual([]);
    expect(ours.some((p) => p.includes('%'))).toBe(true);
  });

  it('on fresh ids for a new table and on the name mapping of a schema', () => {
    const { schema } = assignFreshIds({ ...pathSchema, fields: pathSchema.fields.map((f) => ({ ...f, id: f.id * 10 })) });
    expect(answers.fresh_schema.fields).toEqual(schema.fields);
    expect(answers.name_mapping).toEqual(nameMappingFromSchema(pathSchema));
  });

  it('on the Iceberg schema of a Parquet file, whichever of the two wrote it', async () => {
    expect(answers.floe_file_schema.fields).toEqual(pathSchema.fields);
    const fromPyarrow = tableFromIPC(readParquet(await readFile(parquetFromPyarrow)).intoIPCStream());
    expect(icebergSchemaFromArrow(fromPyarrow.schema).fields).toEqual(pathSchema.fields);
  });

  it('on value counts, null counts and truncated bounds of a file, ColumnStats against the Parquet footer', () => {
    const hex = (b: Uint8Array | null) => (b === null ? undefined : Buffer.from(b).toString('hex'));
    const ours = metricsSchema.fields.map((f, i) => {
      const m = metricsStats[i]!.metrics();
      return { id: f.id, values: Number(m.valueCount), nulls: Number(m.nullCount), lower: hex(m.lowerBound), upper: hex(m.upperBound) };
    });
    const theirs = metricsSchema.fields.map((f) => {
      const key = String(f.id);
      return {
        id: f.id, values: answers.metrics.value_counts[key], nulls: answers.metrics.null_value_counts[key],
        lower: answers.metrics.lower_bounds[key], upper: answers.metrics.upper_bounds[key],
      };
    });
    expect(differences(ours, theirs, (i) => `column ${metricsSchema.fields[i]!.type}`)).toEqual([]);
    expect(ours.at(-1)).toMatchObject({ nulls: 1000, lower: undefined });
    expect(Object.keys(answers.metrics.upper_bounds)).toHaveLength(METRIC_TYPES.length - 1);
  });

  it('round-trips the wire encoding it uses to talk to Python', () => {
    for (const c of serializedCases.slice(0, 50)) {
      if (parsePrimitive(c.type).kind === 'float') continue; // JSON carries the double, the same float
      expect(decodeWire(c.type, encodeWire(c.type, c.value))).toEqual(c.value);
    }
  });
});

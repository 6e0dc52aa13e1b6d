/**
 * Properties of pruning and evaluation over random values, predicates and transforms: a pruned
 * file or partition never holds a matching row (soundness), pruning does happen (it is not always
 * "might match"), and the Arrow evaluator agrees with the single-value one row by row.
 */
import { Field, makeData, Struct, type Data } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/demo/random.ts';
import { bind, type Bound } from '../../../core/iceberg/expressions/bind.ts';
import { evaluateBatch, structLookup } from '../../../core/iceberg/expressions/evaluate-arrow.ts';
import { evaluateValues } from '../../../core/iceberg/expressions/evaluate-values.ts';
import type { Expression, LiteralInput } from '../../../core/iceberg/expressions/expression.ts';
import { projectInclusive } from '../../../core/iceberg/expressions/project.ts';
import { fileMightMatch, manifestMightMatch } from '../../../core/iceberg/expressions/stats-eval.ts';
import { FIELD_ID_KEY } from '../../../core/iceberg/spec/arrow-schema.ts';
import { comparatorFor, toBytes, truncateLowerBound, truncateUpperBound } from '../../../core/iceberg/spec/bounds.ts';
import { applyTransform, parseTransform } from '../../../core/iceberg/spec/transforms.ts';
import { FileContent, type DataFile, type PartitionSpec, type PrimitiveType, type Schema } from '../../../core/iceberg/spec/types.ts';
import type { IcebergValue } from '../../../core/iceberg/spec/values.ts';
import { arrowColumnOf } from '../../integration/iceberg/arrow-columns.ts';

const DAY = 86_400_000_000n;
const HOUR = 3_600_000_000n;

/** Values that crowd around the boundaries transforms and bounds care about. */
function randomValue(rng: Rng, type: PrimitiveType): IcebergValue {
  switch (type) {
    case 'long': return rng.chance(0.1) ? BigInt(rng.int(2 ** 31)) * (rng.chance(0.5) ? -1n : 1n) : BigInt(rng.int(101) - 50);
    case 'int': return rng.int(101) - 50;
    case 'date': return rng.int(801) - 400;
    case 'timestamptz': {
      const base = BigInt(rng.int(81) - 40) * DAY + BigInt(rng.int(24)) * HOUR;
      return base + (rng.chance(0.3) ? 0n : rng.chance(0.5) ? -1n : BigInt(rng.int(3_600_000_000)));
    }
    case 'string': return Array.from({ length: rng.int(5) }, () => rng.pick(['a', 'b', 'c', 'é', '🍜'])).join('');
    case 'decimal(9, 2)': return BigInt(rng.int(1001) - 500);
    case 'double': return rng.pick([-2, -1.5, -0.5, -0, 0, 0.5, 1, 1.5, 2, NaN, Infinity, -Infinity]);
    case 'boolean': return rng.chance(0.5);
    default: throw new Error(`no generator for ${type}`);
  }
}

const OPS = ['eq', 'notEq', 'lt', 'ltEq', 'gt', 'gtEq', 'in', 'notIn', 'isNull', 'notNull', 'startsWith', 'notStartsWith', 'isNaN', 'notNaN'] as const;

/** A random predicate on column `c` of `type`, as a caller writes it (literals in value forms). */
function randomPredicate(rng: Rng, type: PrimitiveType): Expression {
  const literal = (): LiteralInput => {
    let v = randomValue(rng, type);
    while (typeof v === 'number' && Number.isNaN(v)) v = randomValue(rng, type);
    return type === 'decimal(9, 2)' ? (Number(v) / 100).toFixed(2) : v as LiteralInput;
  };
  for (;;) {
    const op = rng.pick(OPS);
    if ((op === 'startsWith' || op === 'notStartsWith') && type !== 'string') continue;
    if ((op === 'isNaN' || op === 'notNaN') && type !== 'double') continue;
    if (op === 'isNull' || op === 'notNull' || op === 'isNaN' || op === 'notNaN') return { op, column: 'c' };
    if (op === 'in' || op === 'notIn') return { op, column: 'c', values: Array.from({ length: 2 + rng.int(3) }, literal) };
    return { op, column: 'c', value: literal() } as Expression;
  }
}

const schemaOf = (type: PrimitiveType): Schema => ({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'c', required: false, type }] });
const valuesOf = (rng: Rng, type: PrimitiveType, n: number) => Array.from({ length: n }, () => (rng.chance(0.15) ? null : randomValue(rng, type)));
const holds = (b: Bound, v: IcebergValue | null) => evaluateValues(b, () => v);

describe('inclusive projection through partition transforms', () => {
  const configs: [PrimitiveType, string][] = [
    ['timestamptz', 'identity'], ['timestamptz', 'hour'], ['timestamptz', 'day'], ['timestamptz', 'month'], ['timestamptz', 'year'],
    ['timestamptz', 'bucket[8]'], ['date', 'day'], ['date', 'month'], ['date', 'year'], ['long', 'truncate[10]'], ['long', 'bucket[4]'],
    ['int', 'truncate[7]'], ['decimal(9, 2)', 'truncate[50]'], ['string', 'truncate[2]'], ['string', 'identity'], ['string', 'bucket[3]'],
    ['double', 'identity'], ['boolean', 'identity'], ['long', 'void'],
  ];

  it.each(configs)('never rules out a partition holding a matching %s value under %s', (type, transform) => {
    const rng = new Rng('projection', type, transform);
    const spec: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'p', transform }] };
    const t = parseTransform(transform);
    let pruned = 0;
    for (let round = 0; round < 300; round++) {
      const bound = bind(schemaOf(type), randomPredicate(rng, type));
      const projected = projectInclusive(bound, spec);
      for (const v of valuesOf(rng, type, 20)) {
        const partition = applyTransform(t, type, v);
        const keeps = evaluateValues(projected, () => partition);
        if (holds(bound, v)) expect(keeps, `${JSON.stringify(bound, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))} on ${String(v)} -> partition ${String(partition)}`).toBe(true);
        else if (!keeps) pruned++;
      }
    }
    if (transform !== 'void') expect(pruned, 'partitions ruled out').toBeGreaterThan(100);
  });
});

/** The metrics a writer would record for these values (string bounds truncated to 2 code points). */
function metricsOf(type: PrimitiveType, values: (IcebergValue | null)[]): DataFile {
  const present = values.filter((v): v is IcebergValue => v !== null && !(typeof v === 'number' && Number.isNaN(v)));
  const cmp = comparatorFor(type);
  const sorted = [...present].sort(cmp);
  const file: DataFile = {
    content: FileContent.Data, filePath: 'f.parquet', fileFormat: 'PARQUET', partition: {}, recordCount: BigInt(values.length), fileSizeInBytes: 1n,
    valueCounts: new Map([[1, BigInt(values.length)]]),
    nullValueCounts: new Map([[1, BigInt(values.filter((v) => v === null).length)]]),
    lowerBounds: new Map(), upperBounds: new Map(),
  };
  if (type === 'double') file.nanValueCounts = new Map([[1, BigInt(values.filter((v) => typeof v === 'number' && Number.isNaN(v)).length)]]);
  if (sorted.length > 0) {
    file.lowerBounds!.set(1, toBytes(type, truncateLowerBound(type, sorted[0]!, 2)));
    const upper = truncateUpperBound(type, sorted.at(-1)!, 2);
    if (upper !== null) file.upperBounds!.set(1, toBytes(type, upper));
  }
  return file;
}

describe('pruning by file metrics and manifest partition summaries', () => {
  const types: PrimitiveType[] = ['long', 'int', 'date', 'timestamptz', 'string', 'decimal(9, 2)', 'double', 'boolean'];

  it.each(types)('never skips a %s file or manifest holding a matching value, and does skip others', (type) => {
    const rng = new Rng('metrics', type);
    const spec: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'c', transform: 'identity' }] };
    let skippedFiles = 0;
    let skippedManifests = 0;
    for (let round = 0; round < 2000; round++) {
      const values = valuesOf(rng, type, 1 + rng.int(6));
      const bound = bind(schemaOf(type), randomPredicate(rng, type));
      const matches = values.some((v) => holds(bound, v));
      const file = metricsOf(type, values);
      const fileMay = fileMightMatch(bound, file);
      // The same values as a manifest's identity partition values: summaries are not truncated.
      const present = values.filter((v): v is IcebergValue => v !== null && !(typeof v === 'number' && Number.isNaN(v))).sort(comparatorFor(type));
      const summary = {
        containsNull: values.includes(null), containsNaN: values.some((v) => typeof v === 'number' && Number.isNaN(v)),
        lowerBound: present.length ? toBytes(type, present[0]!) : null, upperBound: present.length ? toBytes(type, present.at(-1)!) : null,
      };
      const manifestMay = manifestMightMatch(projectInclusive(bound, spec), spec, [summary]);
      const shown = () => `${JSON.stringify(bound, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))} on [${values.map(String).join(', ')}]`;
      if (matches) {
        expect(fileMay, `file skipped: ${shown()}`).toBe(true);
        expect(manifestMay, `manifest skipped: ${shown()}`).toBe(true);
      } else {
        if (!fileMay) skippedFiles++;
        if (!manifestMay) skippedManifests++;
      }
    }
    expect(skippedFiles, 'files skipped').toBeGreaterThan(200);
    expect(skippedManifests, 'manifests skipped').toBeGreaterThan(200);
  });

  it('skips empty files, files of only nulls for comparisons, and keeps files without metrics', () => {
    const b = bind(schemaOf('long'), { op: 'gt', column: 'c', value: 5n });
    const bare: DataFile = { content: 0, filePath: 'x', fileFormat: 'PARQUET', partition: {}, recordCount: 10n, fileSizeInBytes: 1n };
    expect(fileMightMatch(b, bare)).toBe(true);
    expect(fileMightMatch(b, { ...bare, recordCount: 0n })).toBe(false);
    expect(fileMightMatch(b, { ...bare, valueCounts: new Map([[1, 3n]]), nullValueCounts: new Map([[1, 3n]]) })).toBe(false);
    const isNull = bind(schemaOf('long'), { op: 'isNull', column: 'c' });
    expect(fileMightMatch(isNull, { ...bare, nullValueCounts: new Map([[1, 0n]]) })).toBe(false);
    // UUID bounds written by older Java compared bytes as signed longs: never trusted.
    const uuid = bind(schemaOf('uuid'), { op: 'eq', column: 'c', value: 'ffffffff-0000-0000-0000-000000000000' });
    const low = toBytes('uuid', '00000000-0000-0000-0000-000000000001');
    expect(fileMightMatch(uuid, { ...bare, lowerBounds: new Map([[1, low]]), upperBounds: new Map([[1, low]]) })).toBe(true);
  });
});

describe('evaluating filters on Arrow batches', () => {
  const types: PrimitiveType[] = ['long', 'int', 'date', 'timestamptz', 'string', 'decimal(9, 2)', 'double', 'boolean'];

  it.each(types)('agrees with single-value evaluation on every %s row, sliced or not', (type) => {
    const rng = new Rng('arrow-eval', type);
    for (let round = 0; round < 200; round++) {
      const values = valuesOf(rng, type, 1 + rng.int(40));
      const bound = bind(schemaOf(type), rng.chance(0.3)
        ? { op: rng.chance(0.5) ? 'and' : 'or', args: [randomPredicate(rng, type), randomPredicate(rng, type)] }
        : randomPredicate(rng, type));
      const whole = arrowColumnOf(type, values);
      // Arrow windows sliced chunks' values but not their bitmaps: both must be read right.
      const start = rng.chance(0.5) ? rng.int(values.length) : 0;
      const data = whole.slice(start, values.length - start);
      const used = values.slice(start);
      const mask = evaluateBatch(bound, used.length, structLookup(new Map([[1, data]])));
      expect(Array.from(mask)).toEqual(used.map((v) => (holds(bound, v) ? 1 : 0)));
    }
  });

  it('follows SQL and IEEE rules: null satisfies only is-null, NaN only != and is-NaN, -0 equals 0', () => {
    const values = [null, NaN, -0, 0, 1];
    const data = arrowColumnOf('double', values);
    const mask = (e: Expression) => Array.from(evaluateBatch(bind(schemaOf('double'), e), values.length, structLookup(new Map([[1, data]]))));
    expect(mask({ op: 'notEq', column: 'c', value: 1 })).toEqual([0, 1, 1, 1, 0]);
    expect(mask({ op: 'not', arg: { op: 'eq', column: 'c', value: 1 } })).toEqual([0, 1, 1, 1, 0]);
    expect(mask({ op: 'eq', column: 'c', value: 0 })).toEqual([0, 0, 1, 1, 0]);
    expect(mask({ op: 'lt', column: 'c', value: 0 })).toEqual([0, 0, 0, 0, 0]);
    expect(mask({ op: 'notIn', column: 'c', values: [0, 5] })).toEqual([0, 1, 0, 0, 1]);
    expect(mask({ op: 'isNaN', column: 'c' })).toEqual([0, 1, 0, 0, 0]);
    expect(mask({ op: 'isNull', column: 'c' })).toEqual([1, 0, 0, 0, 0]);
  });

  it('reads struct fields, a null struct making its fields null', () => {
    const schema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: [{ id: 1, name: 's', required: false, type: { type: 'struct', fields: [{ id: 2, name: 'x', required: false, type: 'long' }] } }],
    };
    const x = arrowColumnOf('long', [1n, 2n, 3n]);
    const struct = makeStruct(x, [true, false, true]);
    const b = bind(schema, { op: 'gtEq', column: 's.x', value: 2n });
    expect(Array.from(evaluateBatch(b, 3, structLookup(new Map([[1, struct]]))))).toEqual([0, 0, 1]);
    const isNull = bind(schema, { op: 'isNull', column: 's.x' });
    expect(Array.from(evaluateBatch(isNull, 3, structLookup(new Map([[1, struct]]))))).toEqual([0, 1, 0]);
  });
});

function makeStruct(child: Data, valid: boolean[]): Data {
  const type = new Struct([new Field('x', child.type, true, new Map([[FIELD_ID_KEY, '2']]))]);
  const bitmap = new Uint8Array(1);
  valid.forEach((v, i) => { if (v) bitmap[0]! |= 1 << i; });
  return makeData({ type, length: valid.length, nullCount: valid.filter((v) => !v).length, nullBitmap: bitmap, children: [child] });
}

/**
 * One streaming pass over the training table's key columns: row count, rows per image, decision
 * points, labels and nulls. Memory is one Map entry per image (a number packing the row count and
 * which decision points were seen) plus bounded tallies; no batch outlives its `add` call.
 */
import type { RecordBatch } from 'apache-arrow';
import { isPrimitive } from '../../iceberg/spec/primitive.ts';
import type { Schema } from '../../iceberg/spec/types.ts';
import { booleansOf, columnData, nullsOf, numbersOf, stringsOf, type ValueAt } from './column-values.ts';

export const IMAGE_ID = 'image_id';
export const DECISION_POINT = 'decision_point_minutes';
export const LABEL = 'label_needs_moderation_24h';
export const WINDOW_COMPLETE = 'label_window_complete';
/** Columns a training row is useless without: the trainer groups, filters and learns on them. */
export const KEY_COLUMNS = [IMAGE_ID, DECISION_POINT, LABEL, WINDOW_COMPLETE] as const;

/** Distinct unexpected values kept by value; the rest are counted together as "other". */
const MAX_DISTINCT = 20;
/** The packed per-image entry keeps one bit per decision point below the row count. */
export const MAX_DECISION_POINTS = 30;

const NUMERIC = new Set(['int', 'long', 'float', 'double']);
const EXPECTED_KIND: Record<string, { test: (type: string) => boolean; what: string }> = {
  [IMAGE_ID]: { test: (t) => t === 'string', what: 'a string' },
  [DECISION_POINT]: { test: (t) => NUMERIC.has(t), what: 'a number' },
  [LABEL]: { test: (t) => NUMERIC.has(t), what: 'a number' },
  [WINDOW_COMPLETE]: { test: (t) => t === 'boolean', what: 'a boolean' },
};

export interface ColumnPlan {
  /** Key columns the table has: all are read (nulls are counted whatever the type). */
  read: string[];
  /** Key columns whose values cannot be checked, with why: absent, or of another type. */
  unusable: Record<string, string>;
}

export function planColumns(schema: Schema): ColumnPlan {
  const plan: ColumnPlan = { read: [], unusable: {} };
  for (const name of KEY_COLUMNS) {
    const f = schema.fields.find((x) => x.name === name);
    if (!f) {
      plan.unusable[name] = `the table has no column ${name}`;
      continue;
    }
    plan.read.push(name);
    const type = isPrimitive(f.type) ? f.type : f.type.type;
    if (!EXPECTED_KIND[name]!.test(type)) plan.unusable[name] = `column ${name} is ${type}, not ${EXPECTED_KIND[name]!.what}`;
  }
  return plan;
}

export interface TrainingStats {
  rows: number;
  nulls: Record<string, number>;
  images: number;
  /** Number of rows an image has -> number of images with that many. */
  rowsPerImage: Record<string, number>;
  offendingImages: number;
  offendingExamples: { imageId: string; rows: number }[];
  /** Rows per decision point value: every configured one (0 when absent) and any other seen. */
  rowsPerDecisionPoint: Record<string, number>;
  invalidPointRows: number;
  /** Rows that repeat a configured decision point their image already has. */
  duplicatePointRows: number;
  /** Images lacking some configured decision point. */
  imagesMissingPoints: number;
  positives: number;
  negatives: number;
  invalidLabelRows: number;
  invalidLabels: Record<string, number>;
  windowCompleteRows: number;
}

/** Counts of values by text, at most MAX_DISTINCT of them before the rest go to "other". */
class Tally {
  readonly counts = new Map<string, number>();
  add(key: string): void {
    const k = this.counts.has(key) || this.counts.size < MAX_DISTINCT ? key : 'other';
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }
}

export class TrainingStatsCollector {
  private rows = 0;
  private readonly nulls = new Map<string, number>();
  /** image id -> row count * 2^points + bitmask of configured points seen. */
  private readonly perImage = new Map<string, number>();
  private readonly base: number;
  private readonly pointIndex: Map<number, number>;
  private readonly pointRows: number[];
  private readonly invalidPoints = new Tally();
  private invalidPointRows = 0;
  private duplicatePointRows = 0;
  private positives = 0;
  private negatives = 0;
  private invalidLabelRows = 0;
  private readonly invalidLabels = new Tally();
  private windowCompleteRows = 0;

  constructor(private readonly plan: ColumnPlan, private readonly decisionPoints: number[]) {
    if (decisionPoints.length === 0 || decisionPoints.length > MAX_DECISION_POINTS) {
      throw new Error(`verify takes 1 to ${MAX_DECISION_POINTS} decision points, got ${decisionPoints.length}: check the verify configuration`);
    }
    if (new Set(decisionPoints).size !== decisionPoints.length) {
      throw new Error(`verify's decision points repeat a value (${decisionPoints.join(', ')}): list each once`);
    }
    this.base = 2 ** decisionPoints.length;
    this.pointIndex = new Map(decisionPoints.map((p, i) => [p, i]));
    this.pointRows = decisionPoints.map(() => 0);
    for (const name of plan.read) this.nulls.set(name, 0);
  }

  private usable(name: string): boolean {
    return this.plan.read.includes(name) && !(name in this.plan.unusable);
  }

  add(batch: RecordBatch): void {
    const n = batch.numRows;
    this.rows += n;
    for (const name of this.plan.read) {
      const isNull = nullsOf(columnData(batch, name)!);
      let nulls = 0;
      for (let i = 0; i < n; i++) if (isNull(i)) nulls++;
      this.nulls.set(name, this.nulls.get(name)! + nulls);
    }
    const get = <T>(name: string, reader: (b: RecordBatch) => ValueAt<T> | null): ValueAt<T> | null => (this.usable(name) ? reader(batch) : null);
    const ids = get(IMAGE_ID, (b) => stringsOf(b.getChild(IMAGE_ID)!));
    const points = get(DECISION_POINT, (b) => numbersOf(columnData(b, DECISION_POINT)!));
    const labels = get(LABEL, (b) => numbersOf(columnData(b, LABEL)!));
    const complete = get(WINDOW_COMPLETE, (b) => booleansOf(columnData(b, WINDOW_COMPLETE)!));
    for (let i = 0; i < n; i++) {
      const point = points ? points(i) : null;
      const index = point === null ? undefined : this.pointIndex.get(point);
      if (index !== undefined) this.pointRows[index]!++;
      else if (point !== null) {
        this.invalidPointRows++;
        this.invalidPoints.add(String(point));
      }
      const id = ids ? ids(i) : null;
      if (id !== null) this.countImageRow(id, index);
      const label = labels ? labels(i) : null;
      if (label === 1) this.positives++;
      else if (label === 0) this.negatives++;
      else if (label !== null) {
        this.invalidLabelRows++;
        this.invalidLabels.add(String(label));
      }
      if (complete && complete(i) === true) this.windowCompleteRows++;
    }
  }

  private countImageRow(id: string, pointIndex: number | undefined): void {
    const packed = this.perImage.get(id) ?? 0;
    let mask = packed % this.base;
    if (pointIndex !== undefined) {
      const bit = 2 ** pointIndex;
      if (Math.floor(mask / bit) % 2 === 1) this.duplicatePointRows++;
      else mask += bit;
    }
    this.perImage.set(id, (Math.floor(packed / this.base) + 1) * this.base + mask);
  }

  finish(exampleCount = 5): TrainingStats {
    const want = this.decisionPoints.length;
    const full = this.base - 1;
    const histogram = new Map<number, number>();
    const examples: { imageId: string; rows: number }[] = [];
    let offending = 0;
    let missingPoints = 0;
    for (const [imageId, packed] of this.perImage) {
      const rows = Math.floor(packed / this.base);
      histogram.set(rows, (histogram.get(rows) ?? 0) + 1);
      if (packed % this.base !== full) missingPoints++;
      if (rows === want) continue;
      offending++;
      if (examples.length < exampleCount) examples.push({ imageId, rows });
    }
    const rowsPerDecisionPoint: Record<string, number> = {};
    this.decisionPoints.forEach((p, i) => { rowsPerDecisionPoint[String(p)] = this.pointRows[i]!; });
    for (const [value, count] of this.invalidPoints.counts) rowsPerDecisionPoint[value] = count;
    return {
      rows: this.rows,
      nulls: Object.fromEntries(this.nulls),
      images: this.perImage.size,
      rowsPerImage: Object.fromEntries([...histogram].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
      offendingImages: offending,
      offendingExamples: examples,
      rowsPerDecisionPoint,
      invalidPointRows: this.invalidPointRows,
      duplicatePointRows: this.duplicatePointRows,
      imagesMissingPoints: missingPoints,
      positives: this.positives,
      negatives: this.negatives,
      invalidLabelRows: this.invalidLabelRows,
      invalidLabels: Object.fromEntries(this.invalidLabels.counts),
      windowCompleteRows: this.windowCompleteRows,
    };
  }
}

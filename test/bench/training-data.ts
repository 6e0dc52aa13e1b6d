/**
 * Synthetic rows of `moderation.training_data` (shared/FEATURES.md: 19 columns) for benchmarks,
 * built straight into Arrow buffers: longs and doubles in typed arrays, strings as offsets plus
 * one UTF-8 buffer, booleans bit-packed. Every value is a hash of the row's image number, so the
 * same row count gives the same rows whatever the batch size, in Node and (via an Arrow IPC
 * file) in Python alike.
 */
import { makeData, RecordBatch, Struct, type Data, type DataType } from 'apache-arrow';
import { arrowSchemaFromIceberg } from '../../core/iceberg/spec/arrow-schema.ts';
import type { NestedField, PrimitiveType, Schema } from '../../core/iceberg/spec/types.ts';
import { FOOD11_CATEGORIES } from '../../core/demo/model.ts';

export const CATEGORIES = [...FOOD11_CATEGORIES, 'Unknown'] as const;

const COLUMNS: [string, PrimitiveType][] = [
  ['image_id', 'string'],
  ['decision_point_minutes', 'long'],
  ['time_since_upload_seconds', 'long'],
  ['hour_of_day', 'long'],
  ['day_of_week', 'long'],
  ['is_weekend', 'long'],
  ['views_5min', 'long'],
  ['views_1hr', 'long'],
  ['comments_5min', 'long'],
  ['comments_1hr', 'long'],
  ['view_velocity_per_min', 'double'],
  ['comment_to_view_ratio', 'double'],
  ['recent_engagement_score', 'double'],
  ['caption_length', 'long'],
  ['has_caption', 'long'],
  ['user_image_count', 'long'],
  ['user_age_days', 'long'],
  ['category', 'string'],
  ['label_needs_moderation_24h', 'long'],
  ['label_window_complete', 'boolean'],
];

/**
 * The table as the seed's pandas pipeline created it through PyIceberg: every column optional
 * (pandas -> pyarrow schemas are nullable). FEATURES.md lists 19 feature/label columns plus
 * our label_window_complete: 20 fields in all.
 */
export const TRAINING_DATA_SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: COLUMNS.map(([name, type], i): NestedField => ({ id: i + 1, name, required: false, type })),
};

const DECISION_POINTS = [0, 5, 30] as const;
const HEX = new TextEncoder().encode('0123456789abcdef');
const CATEGORY_BYTES = CATEGORIES.map((c) => new TextEncoder().encode(c));
const UUID_BYTES = 36;

/** A 32-bit integer hash (lowbias32): well mixed, and as cheap as a few multiplies. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The k-th pseudo-random 32-bit value of an image. */
const draw = (imageHash: number, k: number) => mix(imageHash + Math.imul(k, 0x9e3779b9));

/**
 * A long column the generator fills through an Int32Array view of the BigInt64Array's buffer:
 * writing the low word only (the values are small and non-negative, the buffer starts zeroed)
 * avoids one BigInt allocation per value, which would cost more than all the rest. Little-endian,
 * as every platform Node runs on.
 */
class LongColumn {
  readonly values: BigInt64Array;
  readonly low: Int32Array;
  constructor(rows: number) {
    this.values = new BigInt64Array(rows);
    this.low = new Int32Array(this.values.buffer);
  }
  set(row: number, v: number): void {
    this.low[row * 2] = v;
  }
}

/** Rows [first, first + count) of the training data, as one record batch. */
export function trainingDataBatch(first: number, count: number): RecordBatch {
  const longs = new Map<string, LongColumn>();
  const long = (name: string) => { const c = new LongColumn(count); longs.set(name, c); return c; };
  const decision = long('decision_point_minutes');
  const sinceUpload = long('time_since_upload_seconds');
  const hour = long('hour_of_day');
  const weekday = long('day_of_week');
  const weekend = long('is_weekend');
  const views5 = long('views_5min');
  const views60 = long('views_1hr');
  const comments5 = long('comments_5min');
  const comments60 = long('comments_1hr');
  const captionLength = long('caption_length');
  const hasCaption = long('has_caption');
  const userImages = long('user_image_count');
  const userAge = long('user_age_days');
  const label = long('label_needs_moderation_24h');
  const velocity = new Float64Array(count);
  const ratio = new Float64Array(count);
  const engagement = new Float64Array(count);
  const complete = new Uint8Array(Math.ceil(count / 8));
  const idOffsets = new Int32Array(count + 1);
  const idBytes = new Uint8Array(count * UUID_BYTES);
  const categoryIndex = new Uint8Array(count);
  let categoryLength = 0;

  for (let i = 0; i < count; i++) {
    const row = first + i;
    const image = Math.floor(row / 3); // three decision points per image, as the ETL writes them
    const m = DECISION_POINTS[row % 3]!;
    const h = mix(image ^ 0x5bd1e995);

    writeUuid(idBytes, i * UUID_BYTES, h);
    idOffsets[i + 1] = (i + 1) * UUID_BYTES;

    decision.set(i, m);
    sinceUpload.set(i, m * 60);
    const day = draw(h, 5) % 7;
    hour.set(i, draw(h, 4) % 24);
    weekday.set(i, day);
    weekend.set(i, day >= 5 ? 1 : 0);

    // Heavy-tailed popularity: most images get a few views, some get thousands.
    const popularity = draw(h, 6) / 2 ** 32;
    const viewsPerHour = Math.floor(popularity ** 4 * 5000);
    const commentsPerHour = Math.floor(viewsPerHour * (draw(h, 7) % 8) / 100);
    const v60 = m === 0 ? 0 : Math.floor(viewsPerHour * m / 60);
    const v5 = m === 0 ? 0 : Math.floor(viewsPerHour / 12);
    const c60 = m === 0 ? 0 : Math.floor(commentsPerHour * m / 60);
    const c5 = m === 0 ? 0 : Math.floor(commentsPerHour / 12);
    views5.set(i, v5);
    views60.set(i, v60);
    comments5.set(i, c5);
    comments60.set(i, c60);
    velocity[i] = v5 / 5;
    ratio[i] = c60 / Math.max(v60, 1);
    engagement[i] = v5 + 5 * c5;

    const captioned = draw(h, 8) % 10 !== 0;
    captionLength.set(i, captioned ? 1 + (draw(h, 9) % 140) : 0);
    hasCaption.set(i, captioned ? 1 : 0);
    userImages.set(i, 1 + (draw(h, 10) % 60) + (m === 30 ? draw(h, 11) % 2 : 0));
    userAge.set(i, draw(h, 12) % 1500);

    const category = draw(h, 13) % 15; // 'Unknown' (index 11) gets the leftovers: a common case
    categoryIndex[i] = Math.min(category, CATEGORIES.length - 1);
    categoryLength += CATEGORY_BYTES[categoryIndex[i]!]!.length;
    label.set(i, draw(h, 14) % 100 < 7 ? 1 : 0);
    if (draw(h, 15) % 100 < 93) complete[i >> 3]! |= 1 << (i & 7);
  }

  const categoryOffsets = new Int32Array(count + 1);
  const categoryBytes = new Uint8Array(categoryLength);
  for (let i = 0, at = 0; i < count; i++) {
    const bytes = CATEGORY_BYTES[categoryIndex[i]!]!;
    categoryBytes.set(bytes, at);
    at += bytes.length;
    categoryOffsets[i + 1] = at;
  }

  const arrow = arrowSchemaFromIceberg(TRAINING_DATA_SCHEMA);
  const children: Data[] = arrow.fields.map((field) => {
    const type = field.type as DataType;
    // `as never`: makeData's overloads are per Arrow type; the column type is only known here by name.
    const column = (buffers: object) => makeData({ type, length: count, nullCount: 0, ...buffers } as never) as Data;
    switch (field.name) {
      case 'image_id': return column({ valueOffsets: idOffsets, data: idBytes });
      case 'category': return column({ valueOffsets: categoryOffsets, data: categoryBytes });
      case 'view_velocity_per_min': return column({ data: velocity });
      case 'comment_to_view_ratio': return column({ data: ratio });
      case 'recent_engagement_score': return column({ data: engagement });
      case 'label_window_complete': return column({ data: complete });
      default: {
        const values = longs.get(field.name);
        if (!values) throw new Error(`training data generator has no values for column ${field.name}`);
        return column({ data: values.values });
      }
    }
  });
  return new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: count, nullCount: 0, children }));
}

/** Lower-case canonical version-4 UUID text of an image, from its hash. */
function writeUuid(out: Uint8Array, at: number, h: number): void {
  let word = 0;
  for (let nibble = 0, pos = at; nibble < 32; nibble++) {
    if (nibble === 8 || nibble === 12 || nibble === 16 || nibble === 20) out[pos++] = 0x2d; // '-'
    if (nibble % 8 === 0) word = draw(h, nibble >> 3);
    let digit = (word >>> ((nibble & 7) * 4)) & 15;
    if (nibble === 12) digit = 4; // version 4
    if (nibble === 16) digit = 8 | (digit & 3); // RFC 4122 variant
    out[pos++] = HEX[digit]!;
  }
}

/** All `rows` rows in batches of `batchRows`. */
export function* trainingDataBatches(rows: number, batchRows = 65_536): Generator<RecordBatch> {
  for (let first = 0; first < rows; first += batchRows) yield trainingDataBatch(first, Math.min(batchRows, rows - first));
}

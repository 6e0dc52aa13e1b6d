/**
 * Messages as a range reader hands them over: one columnar batch per Kafka record batch. Keys and
 * values are byte ranges of one buffer (the fetch response, or the batch decompressed), so the hot
 * path reads them where they lie; no object, Buffer or string is made per message unless asked
 * for with `message(i)`.
 */

export interface RawMessage {
  topic: string;
  partition: number;
  /** Decimal, as Kafka gives it. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Producer/broker timestamp, ms (not the event time: that is in the JSON). */
  timestampMs: number;
}

export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  /** The bytes keys and values point into. Valid only until the callback returns. */
  readonly data: Buffer;
  /** Start of message i's value in `data`, or -1 for a null value. */
  readonly valueStart: Int32Array;
  readonly valueEnd: Int32Array;
  readonly keyStart: Int32Array;
  readonly keyEnd: Int32Array;
  /** Offsets as numbers: exact below 2^53, which a log reaches after centuries. */
  readonly offsets: Float64Array;
  readonly timestamps: Float64Array;
  /** Message i as an object with copies of its key and value, for the rare paths (rejects). */
  message(i: number): RawMessage;
}

/** A reusable MessageBatch: the reader refills it for every record batch. */
export class MessageColumns implements MessageBatch {
  count = 0;
  data: Buffer = Buffer.alloc(0);
  valueStart = new Int32Array(1024);
  valueEnd = new Int32Array(1024);
  keyStart = new Int32Array(1024);
  keyEnd = new Int32Array(1024);
  offsets = new Float64Array(1024);
  timestamps = new Float64Array(1024);

  constructor(readonly topic: string, public partition = 0) {}

  /** Empties the batch and makes room for `n` messages over `data`. */
  reset(partition: number, data: Buffer, n: number): void {
    this.partition = partition;
    this.data = data;
    this.count = 0;
    if (n <= this.offsets.length) return;
    const size = Math.max(n, this.offsets.length * 2);
    this.valueStart = new Int32Array(size);
    this.valueEnd = new Int32Array(size);
    this.keyStart = new Int32Array(size);
    this.keyEnd = new Int32Array(size);
    this.offsets = new Float64Array(size);
    this.timestamps = new Float64Array(size);
  }

  message(i: number): RawMessage {
    if (i < 0 || i >= this.count) throw new RangeError(`message ${i} is outside this batch of ${this.count}`);
    const copy = (start: number, end: number) => (start < 0 ? null : Buffer.from(this.data.subarray(start, end)));
    return {
      topic: this.topic, partition: this.partition, offset: String(this.offsets[i]),
      key: copy(this.keyStart[i]!, this.keyEnd[i]!), value: copy(this.valueStart[i]!, this.valueEnd[i]!),
      timestampMs: this.timestamps[i]!,
    };
  }

  /** Appends one message (the kafkajs reader's path; the wire reader writes the arrays directly). */
  push(offset: number, timestampMs: number, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
    const i = this.count++;
    this.offsets[i] = offset;
    this.timestamps[i] = timestampMs;
    this.keyStart[i] = keyStart;
    this.keyEnd[i] = keyEnd;
    this.valueStart[i] = valueStart;
    this.valueEnd[i] = valueEnd;
  }
}

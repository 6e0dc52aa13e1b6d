/**
 * A run's log: one JSON object per line, appended to a file with one write call per line and no
 * buffering in this process, so every line written before a kill -9 is in the file afterwards
 * (the OS holds it even though the process is gone). Secrets are scrubbed before anything is written.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogLevel } from '../../pipelines/task-context.ts';
import type { JsonValue } from './types.ts';
import type { LogLine } from '../../api/contract.ts';

export type { LogLevel };

/** One line of a run's log: the API's LogLine before it has a place (byte offset) in the file. */
export type LogEntry = Omit<LogLine, 'offset'>;

/** Scrubs secrets out of any text about to be logged (connection strings, tokens...). */
export type Redactor = (text: string) => string;

export interface RunLogOptions {
  redact?: Redactor;
  /** Sees each entry as written, for live streaming to a UI. */
  onEntry?: (entry: LogEntry) => void;
  /** Longer strings are cut, so one huge value cannot make an unreadable line; default 16 KiB. */
  maxStringLength?: number;
  now?: () => number;
}

/** Field names whose values are secret whatever the redactor knows, e.g. a config object logged whole. */
const SECRET_KEY = /(password|passwd|secret|secretaccesskey|token|apikey|api_key|authorization|credentials?)$/i;
const MAX_DEPTH = 8;

export class RunLog {
  private fd: number | undefined;
  private readonly redact: Redactor;
  private readonly maxString: number;
  private readonly now: () => number;

  private constructor(readonly file: string, private readonly options: RunLogOptions) {
    this.redact = options.redact ?? ((s) => s);
    this.maxString = options.maxStringLength ?? 16 * 1024;
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
  }

  /** Opens (or reopens, appending) the log file, creating its folder. */
  static open(file: string, options: RunLogOptions = {}): RunLog {
    return new RunLog(file, options);
  }

  write(level: LogLevel, message: string, fields?: Record<string, unknown>, scope: { task?: string; attempt?: number } = {}): LogEntry {
    if (this.fd === undefined) throw new Error(`RunLog: ${this.file} is closed; cannot log "${message.slice(0, 80)}".`);
    const entry: LogEntry = { ts: this.now(), level, ...scope, message: this.text(message) };
    if (fields && Object.keys(fields).length > 0) entry.fields = this.object(fields, new Set(), 0);
    const bytes = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    try {
      // A regular file may take a write in parts (a full disk): loop so a line is never left half written by us.
      for (let off = 0; off < bytes.length;) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (err) {
      throw new Error(`RunLog: appending to ${this.file} failed (${(err as Error).message}). Check the disk has space and the folder is writable.`);
    }
    this.options.onEntry?.(entry);
    return entry;
  }

  /** A logger with the TaskContext.log signature, scoped to one attempt of one task. */
  forAttempt(task: string, attempt: number): (level: LogLevel, message: string, fields?: Record<string, unknown>) => void {
    return (level, message, fields) => { this.write(level, message, fields, { task, attempt }); };
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private text(s: string): string {
    const scrubbed = this.redact(s);
    return scrubbed.length > this.maxString ? `${scrubbed.slice(0, this.maxString)}… [${scrubbed.length - this.maxString} more characters cut]` : scrubbed;
  }

  private object(value: object, seen: Set<object>, depth: number): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const [key, v] of Object.entries(value)) {
      if (SECRET_KEY.test(key) && v !== undefined && v !== null && v !== '') { out[key] = '[redacted]'; continue; }
      const json = this.value(v, seen, depth + 1);
      if (json !== undefined) out[key] = json;
    }
    return out;
  }

  /** Turns anything a task might pass as a field into JSON: undefined for what has no JSON form. */
  private value(v: unknown, seen: Set<object>, depth: number): JsonValue | undefined {
    switch (typeof v) {
      case 'string': return this.text(v);
      case 'number': return Number.isFinite(v) ? v : String(v);
      case 'boolean': return v;
      case 'bigint': return v.toString();
      case 'undefined': case 'function': case 'symbol': return undefined;
    }
    if (v === null) return null;
    const obj = v as object;
    if (seen.has(obj)) return '[circular]';
    if (depth > MAX_DEPTH) return '[too deep]';
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (obj instanceof Error) return { name: obj.name, message: this.text(obj.message) };
    if (obj instanceof Uint8Array) return `[${obj.byteLength} bytes]`;
    seen.add(obj);
    try {
      if (Array.isArray(obj)) return obj.map((x) => this.value(x, seen, depth + 1) ?? null);
      if (obj instanceof Map) return this.object(Object.fromEntries(obj), seen, depth);
      if (obj instanceof Set) return [...obj].map((x) => this.value(x, seen, depth + 1) ?? null);
      return this.object(obj, seen, depth);
    } finally {
      seen.delete(obj);
    }
  }
}

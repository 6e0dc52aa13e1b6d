/**
 * The verify report: plain JSON-able data, so the CLI prints it (format.ts), the API sends it
 * to the renderer unchanged, and a run store can keep it. No bigint, Map or Date anywhere.
 */

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface VerifyCheck {
  /** Stable across versions (`training.rows-per-image`, `views-windows.offsets`): UIs and tests key on it. */
  id: string;
  /** The table the check is about, as namespace.table. */
  table: string;
  title: string;
  status: CheckStatus;
  /** One line with the figures that matter, e.g. "1 of 120 images have other than 3 rows". */
  detail: string;
  /** The measured values, by name; ids and 64-bit values as strings. */
  figures: Record<string, JsonValue>;
}

/** Shaped to fit the API contract's VerifyReportView (core/api/contract.ts) as it is, with more. */
export interface VerifyReport {
  /** No check failed (warnings and skips allowed). */
  ok: boolean;
  /** When the checks started, epoch ms. */
  checkedAt: number;
  durationMs: number;
  trainingTable: string;
  windowTables: { views: string; comments: string; flags: string };
  checks: VerifyCheck[];
  counts: Record<CheckStatus, number>;
  /** The training table's first rows (config.sampleRows), JSON-safe (json-rows.ts). */
  sampleRows: Record<string, JsonValue>[];
}

export function check(
  id: string, table: string, title: string, status: CheckStatus, detail: string, figures: Record<string, JsonValue> = {},
): VerifyCheck {
  return { id, table, title, status, detail, figures };
}

/** Checks that cannot run because something they need is missing: the reason says what. */
export function skipped(table: string, items: [id: string, title: string][], reason: string): VerifyCheck[] {
  return items.map(([id, title]) => check(id, table, title, 'skip', reason));
}

export function countStatuses(checks: VerifyCheck[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return counts;
}

/** "1 row", "2 rows". */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** "12.5%" with one decimal; "n/a" without a total. */
export function percent(part: number, total: number): string {
  return total > 0 ? `${((100 * part) / total).toFixed(1)}%` : 'n/a';
}

/** An error's message for a report line: its first line, bounded, since it ends up in a UI row. */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

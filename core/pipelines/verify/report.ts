/**
 * The verify report: plain JSON-able data, so the CLI prints it (format.ts), the API sends it
 * to the renderer unchanged, and a run store can keep it. No bigint, Map or Date anywhere.
 */

// The report is what the API sends: its types are the contract's (renderer-safe, JSON only).
import type { CheckStatus, JsonValue, VerifyCheck, VerifyReportView } from '../../api/contract.ts';

export type { CheckStatus, JsonValue, VerifyCheck };
export type VerifyReport = VerifyReportView;

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

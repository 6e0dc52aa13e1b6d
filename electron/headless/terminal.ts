/**
 * Plain-text rendering for the CLI: aligned tables, durations, byte sizes, and a progress line
 * that redraws in place on a terminal (and stays silent when output is piped).
 */
import type { Progress, RunSummary, TaskView } from '../../core/api/contract.ts';

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function time(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function runRow(r: RunSummary): string[] {
  const trigger = r.trigger.kind === 'catch-up' ? `catch-up (${r.trigger.missed ?? '?'} missed)` : r.trigger.kind;
  return [r.id, r.pipeline, r.state, trigger, time(r.createdAt), duration(r.finishedAt !== null && r.startedAt !== null ? r.finishedAt - r.startedAt : null), r.error ?? ''];
}

export const RUN_HEADERS = ['run', 'pipeline', 'state', 'trigger', 'created (UTC)', 'took', 'error'];

function bar(fraction: number, width = 24): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export function progressText(task: string, p: Progress): string {
  const total = p.total === null ? '' : ` of ${count(p.total)}`;
  const rate = p.rate ? `, ${count(Math.round(p.rate))} ${p.unit}/s` : '';
  const eta = p.etaSeconds !== null && p.total !== null && p.done < p.total ? `, ${duration(p.etaSeconds * 1000)} left` : '';
  const head = p.total ? `${bar(p.done / p.total)} ` : '';
  return `${task}: ${head}${count(p.done)}${total} ${p.unit}${rate}${eta}`;
}

export function taskLine(t: TaskView): string {
  const took = t.startedAt !== null && t.finishedAt !== null ? ` in ${duration(t.finishedAt - t.startedAt)}` : '';
  const attempt = t.attempt > 1 ? ` (attempt ${t.attempt})` : '';
  const mark = { success: '✓', failed: '✗', skipped: '-', cancelled: '!', up_for_retry: '↻', running: '…', queued: ' ', interrupted: '!' }[t.state];
  return `  ${mark} ${t.name} ${t.state}${attempt}${took}${t.error ? `: ${t.error}` : ''}`;
}

/** One status line on a terminal, rewritten in place; nothing when stderr is not a terminal. */
export class StatusLine {
  private shown = false;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return Boolean(this.out.isTTY);
  }

  show(text: string): void {
    if (!this.enabled) return;
    const width = this.out.columns ?? 100;
    this.out.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
    this.shown = true;
  }

  /** Prints a line above the status line. */
  print(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }

  clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}

/**
 * The verify report as the plain text `floe verify` prints: a verdict line, the checks grouped by
 * table with ✓ / ✗ / ! / - marks and their figures, then the sample rows turned on their side
 * (one line per column), since the training table has 21 columns and a sample only a few rows.
 */
import type { CheckStatus, JsonValue, VerifyCheck, VerifyReport } from './report.ts';

export interface FormatOptions {
  /** Lines are wrapped or the sample split to fit this many characters where possible. */
  width?: number;
  /**
   * Which checks get their figures printed under them: 'problems' (failed and warned, the
   * default: a passing check's detail line already has its figures), 'all', or 'none'.
   */
  figures?: 'problems' | 'all' | 'none';
}

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function valueText(v: JsonValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** `key: value` items joined on lines no wider than `width`, each line starting with `indent`. */
function wrapItems(items: string[], indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const text = indent.length + item.length > width ? `${item.slice(0, Math.max(10, width - indent.length - 1))}…` : item;
    if (line && indent.length + line.length + 3 + text.length > width) {
      lines.push(indent + line);
      line = '';
    }
    line = line ? `${line} · ${text}` : text;
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** Words on lines of at most `width` (a word longer than a line gets one of its own). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

function checkLines(c: VerifyCheck, titleWidth: number, o: Required<FormatOptions>): string[] {
  const prefix = `  ${MARK[c.status]} ${c.title.padEnd(titleWidth)}  `;
  const lines: string[] = [];
  if (o.width - prefix.length >= 30) {
    // Continuation lines line up under the detail.
    const [first, ...rest] = wrapWords(c.detail, o.width - prefix.length);
    lines.push(prefix + first, ...rest.map((l) => ' '.repeat(prefix.length) + l));
  } else {
    lines.push(prefix.trimEnd(), ...wrapWords(c.detail, o.width - 6).map((l) => ' '.repeat(6) + l));
  }
  if (o.figures === 'all' || (o.figures === 'problems' && (c.status === 'fail' || c.status === 'warn'))) {
    const items = Object.entries(c.figures).map(([k, v]) => `${k}: ${valueText(v)}`);
    lines.push(...wrapItems(items, ' '.repeat(6), o.width));
  }
  return lines;
}

/** Columns down the side, sample rows across, in as many blocks as the width needs. */
function sampleLines(rows: Record<string, JsonValue>[], width: number): string[] {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const nameWidth = Math.max(...columns.map((c) => c.length));
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? 'null' : valueText(r[c]!))));
  const rowWidth = cells.map((cs, i) => Math.max(`row ${i + 1}`.length, ...cs.map((x) => x.length)));
  const out: string[] = [];
  for (let start = 0; start < rows.length;) {
    let end = start + 1;
    let used = 2 + nameWidth + 2 + rowWidth[start]!;
    while (end < rows.length && used + 2 + rowWidth[end]! <= width) used += 2 + rowWidth[end++]!;
    const pick = (i: number, text: string) => text.padEnd(rowWidth[i]!);
    const range = Array.from({ length: end - start }, (_, k) => start + k);
    out.push(`  ${''.padEnd(nameWidth)}  ${range.map((i) => pick(i, `row ${i + 1}`)).join('  ')}`.trimEnd());
    columns.forEach((name, c) => out.push(`  ${name.padEnd(nameWidth)}  ${range.map((i) => pick(i, cells[i]![c]!)).join('  ')}`.trimEnd()));
    out.push('');
    start = end;
  }
  return out;
}

export function formatVerifyReport(report: VerifyReport, options: FormatOptions = {}): string {
  const o: Required<FormatOptions> = { width: options.width ?? 100, figures: options.figures ?? 'problems' };
  const { pass, fail, warn, skip } = report.counts;
  const verdict = report.ok ? 'PASSED' : 'FAILED';
  const tally = [plural(fail, 'failed', 'failed'), plural(warn, 'warning'), `${pass} passed`, `${skip} skipped`].join(', ');
  const lines = [
    `Floe verify: ${verdict} (${tally})`,
    `checked ${new Date(report.checkedAt).toISOString()} in ${(report.durationMs / 1000).toFixed(1)} s`,
    '',
  ];
  const titleWidth = Math.max(0, ...report.checks.map((c) => c.title.length));
  const tables = [...new Set(report.checks.map((c) => c.table))];
  for (const table of tables) {
    lines.push(table);
    for (const c of report.checks.filter((x) => x.table === table)) lines.push(...checkLines(c, titleWidth, o));
    lines.push('');
  }
  if (report.sampleRows.length > 0) {
    lines.push(`Sample rows of ${report.trainingTable} (first ${report.sampleRows.length}):`, ...sampleLines(report.sampleRows, o.width));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

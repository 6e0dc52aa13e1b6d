/**
 * Row groups a filter can skip inside a data file, by their column chunks' statistics (the same
 * test as for whole files in plan.ts, on each row group's metrics). A wrong skip would lose rows
 * silently, so a column's statistics are used only when the file holds it with exactly the
 * table's type (a promoted int or float column is not pruned on), and every statistic that is
 * missing or untrusted answers "might match" (footer-metrics.ts says which are).
 */
import type { Schema as ArrowSchema } from 'apache-arrow';
import type { Bound } from '../expressions/bind.ts';
import { referencedTopLevelIds } from '../expressions/bind.ts';
import { fileMightMatch } from '../expressions/stats-eval.ts';
import type { NativeFooterInfo } from '../parquet-native.ts';
import { arrowFieldFromIceberg } from '../spec/arrow-schema.ts';
import { FileContent, type DataFile, type NestedField, type Schema } from '../spec/types.ts';
import { footerMetrics } from '../footer-metrics.ts';
import { metricMaps } from '../spec/column-stats.ts';

/**
 * The indices of the row groups that may hold a row matching `filter`, or undefined to read them
 * all (nothing to prune on). `fileColumns` maps field ids to the file's column names.
 */
export function matchingRowGroups(
  filter: Bound, fields: NestedField[], info: NativeFooterInfo, fileSchema: ArrowSchema, fileColumns: Map<number, string>,
): number[] | undefined {
  if (filter.op === 'true' || info.rowGroups.length < 2) return undefined;
  const referenced = referencedTopLevelIds(filter);
  // The filter's columns as the file names them, where its values are the table's type.
  const usable: NestedField[] = [];
  for (const f of fields) {
    if (!referenced.has(f.id) || typeof f.type !== 'string') continue;
    const name = fileColumns.get(f.id);
    const inFile = name === undefined ? undefined : fileSchema.fields.find((x) => x.name === name);
    if (!inFile || String(inFile.type) !== String(arrowFieldFromIceberg(f).type)) continue;
    usable.push({ ...f, name: name! });
  }
  if (usable.length === 0) return undefined;
  const schema: Schema = { type: 'struct', 'schema-id': 0, fields: usable };
  const keep: number[] = [];
  info.rowGroups.forEach((rg, i) => {
    // uuid bounds need the writer's word on Java's order (see footer-metrics.ts): not known here, so none.
    const metrics = footerMetrics(schema, { ...info, numRows: rg.numRows, rowGroups: [rg] }, {});
    const group: DataFile = {
      content: FileContent.Data, filePath: '', fileFormat: 'PARQUET', partition: {}, recordCount: BigInt(rg.numRows), fileSizeInBytes: 0n,
      ...metricMaps(metrics),
    };
    if (fileMightMatch(filter, group)) keep.push(i);
  });
  return keep.length === info.rowGroups.length ? undefined : keep;
}

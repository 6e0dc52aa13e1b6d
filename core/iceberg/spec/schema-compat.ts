/**
 * Whether data with a given schema may be written into a table: the check before a Parquet file
 * is made, because a file whose column ids or types differ from the table's is read back wrong
 * (or not at all) by every engine, long after the write that caused it.
 */
import type { IcebergType, NestedField, StructType } from './types.ts';
import { isPrimitive, samePrimitive, typeToString } from './primitive.ts';
import { childFields } from './schema.ts';

export interface CompatOptions {
  /** Compare field ids too (default true): a file's ids are how readers find its columns. */
  checkIds?: boolean;
}

/**
 * Every difference between the table's schema and the data's, one sentence each, in table
 * order. Columns match by name; the data must have every table column (the spec never allows a
 * data file to omit a known column), no others, the same types (no silent widening: the file is
 * read with the type it declares) and values wherever the table requires them.
 */
export function schemaMismatches(table: StructType, data: StructType, options: CompatOptions = {}): string[] {
  const checkIds = options.checkIds ?? true;
  const problems: string[] = [];

  const compareField = (t: NestedField, d: NestedField, name: string): void => {
    if (checkIds && t.id !== d.id) problems.push(`column "${name}": table has field id ${t.id}, data has ${d.id}`);
    if (t.required && !d.required) problems.push(`column "${name}": table requires a value, data allows nulls`);
    compareType(t.type, d.type, name);
  };

  const compareType = (t: IcebergType, d: IcebergType, name: string): void => {
    if (isPrimitive(t) || isPrimitive(d) || t.type !== d.type) {
      const same = isPrimitive(t) && isPrimitive(d) && samePrimitive(t, d);
      if (!same) problems.push(`column "${name}": table has ${typeToString(t)}, data has ${typeToString(d)}`);
      return;
    }
    if (t.type === 'struct' && d.type === 'struct') return compareStruct(t, d, `${name}.`);
    // A list's element, a map's key and value: the same on both sides, so compare them pairwise.
    const dataChildren = childFields(d);
    childFields(t).forEach((tc, i) => compareField(tc, dataChildren[i]!, `${name}.${tc.name}`));
  };

  const compareStruct = (t: StructType, d: StructType, prefix: string): void => {
    const dataByName = new Map(d.fields.map((f) => [f.name, f]));
    for (const tf of t.fields) {
      const df = dataByName.get(tf.name);
      if (!df) problems.push(`column "${prefix}${tf.name}" is missing from the data (every table column must be written)`);
      else compareField(tf, df, `${prefix}${tf.name}`);
    }
    const tableNames = new Set(t.fields.map((f) => f.name));
    for (const df of d.fields) {
      if (!tableNames.has(df.name)) problems.push(`column "${prefix}${df.name}" is in the data but not in the table`);
    }
  };

  compareStruct(table, data, '');
  return problems;
}

/** Throws naming the first mismatch (and how many more there are); see schemaMismatches. */
export function checkCompatible(table: StructType, data: StructType, options: CompatOptions = {}): void {
  const problems = schemaMismatches(table, data, options);
  if (problems.length === 0) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more mismatch${problems.length > 2 ? 'es' : ''})` : '';
  throw new Error(`${problems[0]}${more}`);
}

/**
 * The training table's schema against the FEATURES.md contract (TRAINING_SCHEMA): every contract
 * column present with its type and optionality. Columns are matched by name, as the training
 * notebook selects them; field ids may differ (a table the seed made keeps its own).
 */
import { typeToString } from '../../iceberg/spec/primitive.ts';
import type { Schema } from '../../iceberg/spec/types.ts';
import { TRAINING_SCHEMA } from '../etl-moderation/training-table.ts';
import { check, type VerifyCheck } from './report.ts';

export interface SchemaComparison {
  missing: string[];
  wrongType: { column: string; expected: string; actual: string }[];
  /** The contract's columns are all optional (as the seed's pandas load made them). */
  wrongRequired: { column: string; expected: 'optional' | 'required'; actual: 'optional' | 'required' }[];
  /** Columns the contract does not name, with their types. */
  extra: { column: string; type: string }[];
}

export const SCHEMA_CHECK: [id: string, title: string] = ['training.schema', 'schema matches the FEATURES.md contract'];

const optionality = (required: boolean) => (required ? 'required' : 'optional');

export function compareWithContract(schema: Schema, contract: Schema = TRAINING_SCHEMA): SchemaComparison {
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  const out: SchemaComparison = { missing: [], wrongType: [], wrongRequired: [], extra: [] };
  for (const want of contract.fields) {
    const have = byName.get(want.name);
    if (!have) {
      out.missing.push(want.name);
      continue;
    }
    const expected = typeToString(want.type);
    const actual = typeToString(have.type);
    if (expected !== actual) out.wrongType.push({ column: want.name, expected, actual });
    if (want.required !== have.required) {
      out.wrongRequired.push({ column: want.name, expected: optionality(want.required), actual: optionality(have.required) });
    }
  }
  const contractNames = new Set(contract.fields.map((f) => f.name));
  for (const f of schema.fields) if (!contractNames.has(f.name)) out.extra.push({ column: f.name, type: typeToString(f.type) });
  return out;
}

/**
 * Missing columns, other types and other optionality fail: the trainer or the next load would
 * break on them. Extra columns only warn: readers select by name and never see them.
 */
export function schemaCheck(table: string, schema: Schema, contract: Schema = TRAINING_SCHEMA): VerifyCheck {
  const c = compareWithContract(schema, contract);
  const problems: string[] = [];
  if (c.missing.length > 0) problems.push(`missing ${c.missing.join(', ')}`);
  for (const t of c.wrongType) problems.push(`${t.column} is ${t.actual}, expected ${t.expected}`);
  for (const r of c.wrongRequired) problems.push(`${r.column} is ${r.actual}, expected ${r.expected}`);
  const extra = c.extra.map((e) => `${e.column} (${e.type})`).join(', ');
  const figures = {
    columns: schema.fields.length, contractColumns: contract.fields.length, schemaId: schema['schema-id'],
    missing: c.missing, wrongType: c.wrongType, wrongRequired: c.wrongRequired, extra: c.extra,
  };
  const title = SCHEMA_CHECK[1];
  if (problems.length > 0) {
    const more = extra ? `; extra columns: ${extra}` : '';
    return check('training.schema', table, title, 'fail', `${problems.join('; ')}${more}. Rerun etl_moderation to evolve the table, or fix it by hand`, figures);
  }
  if (c.extra.length > 0) {
    return check('training.schema', table, title, 'warn', `all ${contract.fields.length} contract columns match; extra columns: ${extra}`, figures);
  }
  return check('training.schema', table, title, 'pass', `all ${contract.fields.length} contract columns match by name, type and optionality`, figures);
}

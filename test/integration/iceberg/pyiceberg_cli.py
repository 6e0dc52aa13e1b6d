"""PyIceberg as the independent Iceberg implementation in Floe's interop tests.

Usage: python pyiceberg_cli.py <command> <json args>; prints one JSON object.
  describe {"table": "ns.t"}                     schema, spec, snapshots, rows (sorted) of a table
  create   {"table": "ns.t", "partitioned": bool} a PyIceberg-made table with three rows appended
  append   {"table": "ns.t", "rows": [...]}       appends rows (values as JSON; times as ISO strings)
  namespaces {}                                   list of namespaces
Catalog from the same environment as test/services/pyiceberg/smoke.py (catalog_from_env).
"""

import json
import os
import sys
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../services/pyiceberg"))
from smoke import SCHEMA, SPEC, ROWS, catalog_from_env  # noqa: E402

import pyarrow as pa  # noqa: E402
from pyiceberg.partitioning import UNPARTITIONED_PARTITION_SPEC  # noqa: E402


def jsonable(v):
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, float) and v != v:
        return "NaN"
    return v


def describe(catalog, args):
    table = catalog.load_table(args["table"])
    rows = table.scan().to_arrow()
    out_rows = sorted(
        ({k: jsonable(v) for k, v in r.items()} for r in rows.to_pylist()),
        key=lambda r: json.dumps(r, sort_keys=True),
    )
    return {
        "metadata_location": table.metadata_location,
        "format_version": table.format_version,
        "schema": json.loads(table.schema().model_dump_json()),
        "spec": json.loads(table.spec().model_dump_json()),
        "properties": table.properties,
        "current_snapshot_id": str(table.current_snapshot().snapshot_id) if table.current_snapshot() else None,
        "snapshots": [
            {
                "snapshot_id": str(s.snapshot_id),
                "parent_snapshot_id": str(s.parent_snapshot_id) if s.parent_snapshot_id else None,
                "sequence_number": s.sequence_number,
                "summary": {"operation": s.summary.operation.value, **s.summary.additional_properties},
            }
            for s in table.snapshots()
        ],
        "row_count": rows.num_rows,
        "rows": out_rows,
    }


def create(catalog, args):
    ident = args["table"]
    catalog.create_namespace_if_not_exists(ident.rsplit(".", 1)[0])
    spec = SPEC if args.get("partitioned") else UNPARTITIONED_PARTITION_SPEC
    table = catalog.create_table(ident, schema=SCHEMA, partition_spec=spec)
    table.append(ROWS)
    return describe(catalog, args)


def append(catalog, args):
    table = catalog.load_table(args["table"])
    arrow_schema = table.schema().as_arrow()
    columns = {f.name: [r.get(f.name) for r in args["rows"]] for f in arrow_schema}
    for f in arrow_schema:
        if pa.types.is_timestamp(f.type):
            columns[f.name] = [datetime.fromisoformat(v) if v else None for v in columns[f.name]]
    table.append(pa.table(columns, schema=arrow_schema))
    return describe(catalog, args)


def namespaces(catalog, _args):
    return {"namespaces": [list(ns) for ns in catalog.list_namespaces()]}


if __name__ == "__main__":
    command, raw = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    result = {"describe": describe, "create": create, "append": append, "namespaces": namespaces}[command](catalog_from_env(), json.loads(raw))
    print(json.dumps(result))

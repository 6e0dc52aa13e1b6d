"""PyIceberg as the independent Iceberg implementation in Floe's interop tests.

Usage: python pyiceberg_cli.py <command> <json args>; prints one JSON object.
  describe {"table": "ns.t"}                     schema, spec, snapshots, rows (sorted) of a table
  typed    {"tables": [...], "filters": {...}}   schema, spec and rows of each table (values as
                                                 typed_value gives them, unsorted), and the rows of
                                                 a scan per filter of filters[table]: {"column",
                                                 "op": eq|is_null|not_null|is_nan, "value"}
  create   {"table": "ns.t", "partitioned": bool} a PyIceberg-made table with three rows appended
  append   {"table": "ns.t", "rows": [...]}       appends rows (values as JSON; times as ISO strings)
  namespaces {}                                   list of namespaces
Catalog from the same environment as test/services/pyiceberg/smoke.py (catalog_from_env).
"""

import json
import math
import os
import sys
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../services/pyiceberg"))
from smoke import SCHEMA, SPEC, ROWS, catalog_from_env  # noqa: E402

import pyarrow as pa  # noqa: E402
from pyiceberg.partitioning import UNPARTITIONED_PARTITION_SPEC  # noqa: E402
from pyiceberg import types as T  # noqa: E402
from pyiceberg.expressions import AlwaysTrue, EqualTo, IsNaN, IsNull, NotNull  # noqa: E402
from pyiceberg.io.pyarrow import ArrowScan  # noqa: E402


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


EPOCH = datetime(1970, 1, 1)
ONE_MICRO = timedelta(microseconds=1)


def typed_value(v, t):
    """A value as exact JSON, by its Iceberg type: 64-bit integers, times and timestamps as decimal
    strings of micros, dates as days, decimals as str(Decimal), bytes as hex, NaN, infinities and
    -0.0 as strings, structs as objects, lists as arrays, maps as [key, value] pairs in file order."""
    if v is None:
        return None
    if isinstance(t, T.StructType):
        return {f.name: typed_value(v.get(f.name), f.field_type) for f in t.fields}
    if isinstance(t, T.ListType):
        return [typed_value(x, t.element_type) for x in v]
    if isinstance(t, T.MapType):
        return [[typed_value(k, t.key_type), typed_value(x, t.value_type)] for k, x in v]
    if isinstance(t, (T.FloatType, T.DoubleType)):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return "-0" if v == 0 and math.copysign(1.0, v) < 0 else v
    if isinstance(t, (T.LongType, T.DecimalType)):
        return str(v)
    if isinstance(t, T.DateType):
        return (v - date(1970, 1, 1)).days
    if isinstance(t, T.TimeType):
        return str(((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond)
    if isinstance(t, (T.TimestampType, T.TimestamptzType)):
        naive = (v - v.utcoffset()).replace(tzinfo=None) if v.tzinfo else v
        return str((naive - EPOCH) // ONE_MICRO)
    if isinstance(t, T.UUIDType):
        return str(v if isinstance(v, uuid.UUID) else uuid.UUID(bytes=v))
    if isinstance(t, (T.FixedType, T.BinaryType)):
        return v.hex()
    return v


def literal_of(value, t):
    """The Python value of a typed_value form, to compare a column of type t with."""
    if isinstance(t, (T.LongType, T.TimeType, T.TimestampType, T.TimestamptzType)):
        return int(value)
    if isinstance(t, T.DecimalType):
        return Decimal(value)
    if isinstance(t, (T.BinaryType, T.FixedType)):
        return bytes.fromhex(value)
    return value


def filter_of(f, schema):
    column, op = f["column"], f["op"]
    if op == "eq":
        return EqualTo(column, literal_of(f["value"], schema.find_field(column).field_type))
    return {"is_null": IsNull, "not_null": NotNull, "is_nan": IsNaN}[op](column)


def typed_rows(scan, schema, read=None):
    try:
        rows = (read or scan.to_arrow)().to_pylist()
    except pa.ArrowNotImplementedError:
        # pyarrow cannot make an empty table with an extension type (uuid) inside a struct or
        # list, which PyIceberg does for a scan with no files; any other failure is real.
        if any(True for _ in scan.plan_files()):
            raise
        rows = []
    return [{f.name: typed_value(r[f.name], f.field_type) for f in schema.fields} for r in rows]


def filtered_rows(table, schema, f):
    scan = table.scan(row_filter=filter_of(f, schema))
    if f["op"] != "is_nan":
        return typed_rows(scan, schema)
    # The files PyIceberg plans (pruned on the manifests' NaN counts and bounds), read whole: pyarrow
    # itself would skip a row group whose Parquet min/max, which leave NaN out, are not NaN.
    read = lambda: ArrowScan(table.metadata, table.io, schema, AlwaysTrue()).to_table(scan.plan_files())  # noqa: E731
    return [r for r in typed_rows(scan, schema, read) if r[f["column"]] == "NaN"]


def typed(catalog, args):
    out = {}
    for ident in args["tables"]:
        table = catalog.load_table(ident)
        schema = table.schema()
        out[ident] = {
            "schema": json.loads(schema.model_dump_json()),
            "spec": json.loads(table.spec().model_dump_json()),
            "rows": typed_rows(table.scan(), schema),
            "filtered": [filtered_rows(table, schema, f) for f in args.get("filters", {}).get(ident, [])],
        }
    return out


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
    result = {"describe": describe, "typed": typed, "create": create, "append": append, "namespaces": namespaces}[command](catalog_from_env(), json.loads(raw))
    print(json.dumps(result))

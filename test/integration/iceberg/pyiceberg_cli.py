"""PyIceberg as the independent Iceberg implementation in Floe's interop tests.

Usage: python pyiceberg_cli.py <command> <json args>; prints one JSON object.
  describe {"table": "ns.t"}                     schema, spec, snapshots, rows (sorted) of a table
  typed    {"tables": [...], "filters": {...}}   schema, spec and rows of each table (values as
                                                 typed_value gives them, unsorted), and the rows of
                                                 a scan per filter of filters[table]: {"column",
                                                 "op": eq|is_null|not_null|is_nan, "value"}
  create   {"table": "ns.t", "partitioned": bool, "formatVersion"?: 1 or 2}
                                                 a PyIceberg-made table with three rows appended
  append   {"table": "ns.t", "rows": [...]}       appends rows (values as JSON; times as ISO strings)
  namespaces {}                                   list of namespaces
  inspect  {"table": "ns.t", "snapshot_id": "..."} table.inspect's snapshots, history, refs, manifests
                                                 (current snapshot), files and partitions (of
                                                 snapshot_id, default current), as exact JSON
Catalog from the same environment as test/services/pyiceberg/smoke.py (catalog_from_env).
"""

import base64
import json
import math
import os
import sys
import uuid
from datetime import date, datetime, time, timedelta
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
    properties = {"format-version": str(args["formatVersion"])} if args.get("formatVersion") else {}
    table = catalog.create_table(ident, schema=SCHEMA, partition_spec=spec, properties=properties)
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


ARROW_TYPES = {"string": pa.string(), "long": pa.int64(), "double": pa.float64(), "boolean": pa.bool_()}


def create_from_columns(catalog, args):
    """A table as a pandas-fed PyIceberg load makes it (ids in column order), with rows appended."""
    ident = args["table"]
    catalog.create_namespace_if_not_exists(ident.rsplit(".", 1)[0])
    schema = pa.schema([pa.field(name, ARROW_TYPES[t]) for name, t in args["columns"]])
    table = catalog.create_table(ident, schema=schema)
    if args.get("rows"):
        table.append(pa.table({f.name: [r.get(f.name) for r in args["rows"]] for f in schema}, schema=schema))
    return describe(catalog, args)


def namespaces(catalog, _args):
    return {"namespaces": [list(ns) for ns in catalog.list_namespaces()]}


def readable(v):
    """A value as Floe's metadata views print it: dates and times in ISO form, numbers as str (floats
    as repr), bytes as base64, booleans as true/false."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (datetime, date, time)):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    return str(v)


def ms(v):
    """Milliseconds since the epoch of an inspect timestamp (naive UTC, or an int already)."""
    if v is None or isinstance(v, int):
        return v
    return (v.replace(tzinfo=None) - EPOCH) // timedelta(milliseconds=1)


def id_text(v):
    """63-bit ids as strings: JSON.parse would round them."""
    return None if v is None else str(v)


def as_dict(pairs):
    return None if pairs is None else {str(k): v for k, v in (pairs.items() if isinstance(pairs, dict) else pairs)}


def inspect_table(catalog, args):
    table = catalog.load_table(args["table"])
    sid = int(args["snapshot_id"]) if args.get("snapshot_id") else None
    ins = table.inspect
    rows = lambda t: t.to_pylist()  # noqa: E731
    return {
        "properties": table.properties,
        "snapshot_meta": [
            {"snapshot_id": id_text(s.snapshot_id), "sequence_number": id_text(s.sequence_number), "schema_id": s.schema_id}
            for s in table.metadata.snapshots
        ],
        "snapshots": [
            {**r, "committed_at": ms(r["committed_at"]), "snapshot_id": id_text(r["snapshot_id"]),
             "parent_id": id_text(r["parent_id"]), "summary": as_dict(r["summary"])}
            for r in rows(ins.snapshots())
        ],
        "history": [
            {**r, "made_current_at": ms(r["made_current_at"]), "snapshot_id": id_text(r["snapshot_id"]), "parent_id": id_text(r["parent_id"])}
            for r in rows(ins.history())
        ],
        "refs": [{**r, "snapshot_id": id_text(r["snapshot_id"])} for r in rows(ins.refs())],
        "manifests": [{**r, "added_snapshot_id": id_text(r["added_snapshot_id"])} for r in rows(ins.manifests())],
        "files": [
            {
                **{k: r[k] for k in ("content", "file_path", "file_format", "spec_id", "record_count", "file_size_in_bytes", "sort_order_id", "split_offsets")},
                "partition": {k: readable(v) for k, v in r["partition"].items()},
                **{k: as_dict(r[k]) for k in ("column_sizes", "value_counts", "null_value_counts", "nan_value_counts")},
                "readable_metrics": {
                    column: {**m, "lower_bound": readable(m["lower_bound"]), "upper_bound": readable(m["upper_bound"])}
                    for column, m in r["readable_metrics"].items()
                },
            }
            for r in rows(ins.files(sid))
        ],
        "partitions": [
            {**r, "partition": {k: readable(v) for k, v in (r.get("partition") or {}).items()},
             "last_updated_at": ms(r["last_updated_at"]), "last_updated_snapshot_id": id_text(r["last_updated_snapshot_id"])}
            for r in rows(ins.partitions(sid))
        ],
    }


if __name__ == "__main__":
    command, raw = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    result = {"describe": describe, "typed": typed, "create": create, "append": append, "create_from_columns": create_from_columns, "namespaces": namespaces, "inspect": inspect_table}[command](catalog_from_env(), json.loads(raw))
    print(json.dumps(result))

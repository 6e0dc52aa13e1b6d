"""PyIceberg as the independent side of Floe's filtered-scan tests.

Usage: python scan_filter.py <command> <json args>; prints one JSON object.
  create {"table", "schema": <Iceberg schema JSON>, "spec": <partition spec JSON>, "batches": [[row, ...], ...]}
         creates the table and appends each batch (one commit each); rows in typed JSON (longs,
         timestamps as decimal strings of micros, dates as days, decimals as text, "NaN")
  append {"table", "rows": [row, ...]}          one more append, rows as for create
  rows   {"table"}                              every row of a scan (position deletes applied)
  scan   {"table", "filters": [<filter JSON>, ...]}
         for each filter: the rows of table.scan(row_filter=...) in typed JSON (pyiceberg_cli.py's
         typed_value) and how many data files PyIceberg plans; plus the table's live data files
Filter JSON: {"op": "and"|"or", "args": [...]}, {"op": "not", "arg": ...}, {"op": <predicate>,
"column", "value" | "values"}; a literal {"long": "123"} is a Python int, anything else is given to
PyIceberg as is (text it converts to the column's type itself: ISO times, dates, decimals).
"""

import json
import math
import os
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../services/pyiceberg"))
sys.path.insert(0, os.path.dirname(__file__))
from smoke import catalog_from_env  # noqa: E402
from pyiceberg_cli import typed_value  # noqa: E402

import pyarrow as pa  # noqa: E402
from pyiceberg import expressions as E  # noqa: E402
from pyiceberg import types as T  # noqa: E402
from pyiceberg.io.pyarrow import ArrowScan  # noqa: E402
from pyiceberg.partitioning import PartitionSpec  # noqa: E402
from pyiceberg.schema import Schema  # noqa: E402

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def python_value(v, t):
    if v is None:
        return None
    if isinstance(t, (T.LongType, T.IntegerType)):
        return int(v)
    if isinstance(t, T.TimestamptzType):
        return EPOCH + timedelta(microseconds=int(v))
    if isinstance(t, T.TimestampType):
        return (EPOCH + timedelta(microseconds=int(v))).replace(tzinfo=None)
    if isinstance(t, T.DateType):
        return date(1970, 1, 1) + timedelta(days=int(v))
    if isinstance(t, T.DecimalType):
        return Decimal(v)
    if isinstance(t, (T.DoubleType, T.FloatType)):
        return float("nan") if v == "NaN" else float(v)
    return v


def create(catalog, args):
    ident = args["table"]
    catalog.create_namespace_if_not_exists(ident.rsplit(".", 1)[0])
    schema = Schema.model_validate(args["schema"])
    spec = PartitionSpec.model_validate(args["spec"])
    table = catalog.create_table(ident, schema=schema, partition_spec=spec)
    arrow_schema = table.schema().as_arrow()
    for rows in args["batches"]:
        columns = {f.name: [python_value(r.get(f.name), f.field_type) for r in rows] for f in table.schema().fields}
        table.append(pa.table(columns, schema=arrow_schema))
    return {"files": sum(1 for _ in table.scan().plan_files())}


def append(catalog, args):
    table = catalog.load_table(args["table"])
    rows = args["rows"]
    columns = {f.name: [python_value(r.get(f.name), f.field_type) for r in rows] for f in table.schema().fields}
    table.append(pa.table(columns, schema=table.schema().as_arrow()))
    return {"snapshot_id": str(table.current_snapshot().snapshot_id)}


def literal(v):
    return int(v["long"]) if isinstance(v, dict) else v


PREDICATES = {
    "eq": E.EqualTo, "notEq": E.NotEqualTo, "lt": E.LessThan, "ltEq": E.LessThanOrEqual,
    "gt": E.GreaterThan, "gtEq": E.GreaterThanOrEqual, "startsWith": E.StartsWith, "notStartsWith": E.NotStartsWith,
}
UNARY = {"isNull": E.IsNull, "notNull": E.NotNull, "isNaN": E.IsNaN, "notNaN": E.NotNaN}


def expression(f):
    op = f["op"]
    if op in ("and", "or"):
        parts = [expression(a) for a in f["args"]]
        combine = E.And if op == "and" else E.Or
        out = parts[0]
        for p in parts[1:]:
            out = combine(out, p)
        return out
    if op == "not":
        return E.Not(expression(f["arg"]))
    if op in UNARY:
        return UNARY[op](f["column"])
    if op in ("in", "notIn"):
        return (E.In if op == "in" else E.NotIn)(f["column"], [literal(v) for v in f["values"]])
    return PREDICATES[op](f["column"], literal(f["value"]))


def scan(catalog, args):
    table = catalog.load_table(args["table"])
    schema = table.schema()
    results = []
    for f in args["filters"]:
        s = table.scan(row_filter=expression(f))
        if f["op"] == "isNaN":
            # pyarrow prunes row groups on Parquet min/max, which leave NaN out, and so misses NaN
            # rows: read the files PyIceberg plans whole and keep the NaN rows here.
            rows = ArrowScan(table.metadata, table.io, schema, E.AlwaysTrue()).to_table(s.plan_files()).to_pylist()
            rows = [r for r in rows if r[f["column"]] is not None and math.isnan(r[f["column"]])]
        else:
            rows = s.to_arrow().to_pylist()
        results.append({
            "rows": [{fl.name: typed_value(r[fl.name], fl.field_type) for fl in schema.fields} for r in rows],
            "files": sum(1 for _ in s.plan_files()),
        })
    return {"total_files": sum(1 for _ in table.scan().plan_files()), "results": results}


def rows_of(catalog, args):
    """All rows of the table (PyIceberg applies position deletes; it refuses equality deletes)."""
    table = catalog.load_table(args["table"])
    schema = table.schema()
    rows = table.scan().to_arrow().to_pylist()
    return {"rows": [{f.name: typed_value(r[f.name], f.field_type) for f in schema.fields} for r in rows]}


if __name__ == "__main__":
    command, raw = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    print(json.dumps({"create": create, "append": append, "scan": scan, "rows": rows_of}[command](catalog_from_env(), json.loads(raw))))

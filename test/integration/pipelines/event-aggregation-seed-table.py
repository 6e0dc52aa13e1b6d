"""Window tables as the seed's Airflow DAG left them, and PyIceberg's view of them, for Floe's tests.

Usage: python event-aggregation-seed-table.py <command> <json args>; prints one JSON object.
  create {"table": "ns.t", "timezone": bool, "rows": [...]}
      a table made like the seed made it: PyIceberg create_table from a pandas-shaped Arrow
      schema, so unpartitioned, every column optional, ids in column order; times with or
      without a zone; the rows (times as ISO strings) appended by PyIceberg
  sums {"table": "ns.t"}
      PyIceberg's scan of the table: event_count summed per (image_id, window_start in
      microseconds), the partition spec and the schema's (id, name, required)
Catalog from the same environment as test/services/pyiceberg/smoke.py (catalog_from_env).
"""

import json
import os
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../services/pyiceberg"))
from smoke import catalog_from_env  # noqa: E402

import pyarrow as pa  # noqa: E402

COLUMNS = ["image_id", "window_start", "window_end", "event_count", "processed_at"]


def create(catalog, args):
    ident = args["table"]
    catalog.create_namespace_if_not_exists(ident.rsplit(".", 1)[0])
    tz = "UTC" if args["timezone"] else None
    stamp = pa.timestamp("us", tz=tz)
    schema = pa.schema([("image_id", pa.string()), ("window_start", stamp), ("window_end", stamp),
                        ("event_count", pa.int64()), ("processed_at", stamp)])
    table = catalog.create_table(ident, schema=schema)

    def time(v):
        t = datetime.fromisoformat(v)
        return t if tz else t.astimezone(timezone.utc).replace(tzinfo=None)

    rows = args["rows"]
    columns = {c: [time(r[c]) if c.endswith(("_start", "_end", "_at")) else r[c] for r in rows] for c in COLUMNS}
    table.append(pa.table(columns, schema=schema))
    return {"metadata_location": table.metadata_location}


def micros(t):
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    delta = t - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def sums(catalog, args):
    table = catalog.load_table(args["table"])
    out = {}
    for r in table.scan().to_arrow().to_pylist():
        key = f'{r["image_id"]}|{micros(r["window_start"])}'
        out[key] = out.get(key, 0) + r["event_count"]
    return {
        "sums": out,
        "spec": [f.transform.__class__.__name__ for f in table.spec().fields],
        "schema": [[f.field_id, f.name, f.required] for f in table.schema().fields],
    }


def main():
    command, args = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps({"create": create, "sums": sums}[command](catalog_from_env(), args)))


if __name__ == "__main__":
    main()

"""PyIceberg round trip through a SQL catalog: the proof that the test bed's Iceberg stack works.

Run with the venv's python ($FLOE_TEST_PYTHON). Creates a namespace and a day-partitioned table,
appends three rows, scans them back and prints one JSON object on stdout.

Environment:
  FLOE_ICEBERG_CATALOG_TYPE sql (default) or rest
  FLOE_ICEBERG_CATALOG_URI  sql: sqlite:///abs/path/catalog.db, or postgresql+psycopg2://user@host:port/db
                            (postgres:// and postgresql:// are accepted and rewritten)
                            rest: the REST service root, e.g. http://127.0.0.1:8181
  FLOE_ICEBERG_WAREHOUSE    file:///abs/dir or s3://bucket/prefix
  FLOE_ICEBERG_TABLE        namespace.table, default smoke.image_events (dropped first if present)
  FLOE_TEST_S3_ENDPOINT, FLOE_TEST_S3_ACCESS_KEY, FLOE_TEST_S3_SECRET_KEY, FLOE_TEST_S3_REGION
                            as written to s3.env by test/services/s3.sh; needed for s3:// only
"""

import json
import os
import re
import sys
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.catalog import Catalog
from pyiceberg.catalog.rest import RestCatalog
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import LongType, NestedField, StringType, TimestamptzType

CATALOG_NAME = "gourmetgram"  # the catalog_name column in iceberg_tables; Floe must use the same


def catalog_from_env() -> Catalog:
    uri = os.environ["FLOE_ICEBERG_CATALOG_URI"]
    rest = os.environ.get("FLOE_ICEBERG_CATALOG_TYPE", "sql") == "rest"
    if not rest:
        # SQLAlchemy 2 refuses the postgres:// scheme that libpq and node-postgres accept.
        uri = re.sub(r"^postgres(ql)?://", "postgresql+psycopg2://", uri)
    props = {"uri": uri, "warehouse": os.environ["FLOE_ICEBERG_WAREHOUSE"]}
    if os.environ.get("FLOE_TEST_S3_ENDPOINT"):
        props |= {
            "s3.endpoint": os.environ["FLOE_TEST_S3_ENDPOINT"],
            "s3.access-key-id": os.environ["FLOE_TEST_S3_ACCESS_KEY"],
            "s3.secret-access-key": os.environ["FLOE_TEST_S3_SECRET_KEY"],
            # Without a region PyIceberg asks AWS where the bucket lives: a hang with no internet.
            "s3.region": os.environ.get("FLOE_TEST_S3_REGION", "us-east-1"),
            # Path-style (http://host/bucket/key); the local S3 servers serve no virtual hosts.
            "s3.force-virtual-addressing": "false",
        }
    # A REST server sends no storage settings of its own here: the s3.* properties above serve both.
    return RestCatalog(CATALOG_NAME, **props) if rest else SqlCatalog(CATALOG_NAME, **props)


SCHEMA = Schema(
    NestedField(1, "image_id", StringType(), required=True),
    NestedField(2, "window_start", TimestamptzType(), required=False),
    NestedField(3, "event_count", LongType(), required=False),
)
SPEC = PartitionSpec(PartitionField(source_id=2, field_id=1000, transform=DayTransform(), name="window_start_day"))

ROWS = pa.table(
    {
        "image_id": ["img-1", "img-2", "img-3"],
        "window_start": [
            datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc),
            datetime(2024, 5, 1, 12, 5, tzinfo=timezone.utc),
            datetime(2024, 5, 2, 0, 0, tzinfo=timezone.utc),
        ],
        "event_count": [3, 0, 42],
    },
    # The Arrow schema must match the Iceberg one: a nullable column for a required field is refused.
    schema=pa.schema(
        [
            pa.field("image_id", pa.string(), nullable=False),
            pa.field("window_start", pa.timestamp("us", tz="UTC")),
            pa.field("event_count", pa.int64()),
        ]
    ),
)


def main() -> None:
    catalog = catalog_from_env()
    ident = os.environ.get("FLOE_ICEBERG_TABLE", "smoke.image_events")
    namespace = ident.rsplit(".", 1)[0]
    catalog.create_namespace_if_not_exists(namespace)
    if catalog.table_exists(ident):
        catalog.drop_table(ident)
    table = catalog.create_table(ident, schema=SCHEMA, partition_spec=SPEC)
    table.append(ROWS)

    # Read back through a fresh catalog load, as another process would.
    table = catalog.load_table(ident)
    result = table.scan().to_arrow().sort_by("image_id")
    snapshot = table.current_snapshot()
    files = []
    for task in table.scan().plan_files():
        with table.io.new_input(task.file.file_path).open() as f:
            parquet_schema = pq.read_schema(f)
        files.append(
            {
                "path": task.file.file_path,
                "record_count": task.file.record_count,
                "partition": list(task.file.partition),
                "parquet_field_ids": {
                    fld.name: int(fld.metadata[b"PARQUET:field_id"]) for fld in parquet_schema
                },
            }
        )
    out = {
        "catalog": CATALOG_NAME,
        "table": ident,
        "metadata_location": table.metadata_location,
        "location": table.location(),
        "format_version": table.format_version,
        "row_count": result.num_rows,
        "rows": [
            {**r, "window_start": r["window_start"].isoformat()} for r in result.to_pylist()
        ],
        # A string: snapshot ids are 63-bit and JSON.parse in Node would round them.
        "snapshot_id": str(snapshot.snapshot_id),
        "snapshot_summary": {"operation": snapshot.summary.operation.value, **snapshot.summary.additional_properties},
        "field_ids": {f.name: f.field_id for f in table.schema().fields},
        "files": sorted(files, key=lambda f: f["path"]),
    }
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()

"""PyIceberg's side of the Avro manifest interop test (avro-interop.test.ts).

Run with the test bed's python ($FLOE_TEST_PYTHON). Prints one JSON object on stdout in which
every integer is a string (snapshot ids are 63-bit; JSON.parse in Node would round them) and
every byte string is hex.

  avro_interop.py tables <dir>
      Creates a SQLite catalog and a file:// warehouse under <dir> with three tables (v2 by day,
      v2 unpartitioned with zstd manifests, v1 by day), appends to them, and prints each table's
      snapshots with PyIceberg's own reading of their manifest lists and manifests.

  avro_interop.py read <manifest-list> [<manifest-list> ...]
      Reads manifest lists (and the manifests they name) with PyIceberg's Avro reader and prints
      what it sees: header metadata, manifest files, raw entries and entries with inheritance.
"""

import json
import sys
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum

import pyarrow as pa
from pyiceberg.avro.file import AvroFile
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.manifest import (
    DEFAULT_READ_VERSION,
    MANIFEST_ENTRY_SCHEMAS,
    DataFile,
    ManifestEntry,
    read_manifest_list,
)
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import DoubleType, LongType, NestedField, StringType, TimestamptzType

IO = PyArrowFileIO()


def plain(value):
    """JSON-safe: ints, decimals and UUIDs as strings, bytes as hex, enums as their value."""
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    raise TypeError(f"cannot convert {type(value)}")


def manifest_file_view(mf):
    return {
        "manifest_path": mf.manifest_path,
        "manifest_length": plain(mf.manifest_length),
        "partition_spec_id": plain(mf.partition_spec_id),
        "content": plain(mf.content),
        "sequence_number": plain(mf.sequence_number),
        "min_sequence_number": plain(mf.min_sequence_number),
        "added_snapshot_id": plain(mf.added_snapshot_id),
        "added_files_count": plain(mf.added_files_count),
        "existing_files_count": plain(mf.existing_files_count),
        "deleted_files_count": plain(mf.deleted_files_count),
        "added_rows_count": plain(mf.added_rows_count),
        "existing_rows_count": plain(mf.existing_rows_count),
        "deleted_rows_count": plain(mf.deleted_rows_count),
        "partitions": None
        if mf.partitions is None
        else [
            {
                "contains_null": p.contains_null,
                "contains_nan": p.contains_nan,
                "lower_bound": plain(p.lower_bound),
                "upper_bound": plain(p.upper_bound),
            }
            for p in mf.partitions
        ],
        "key_metadata": plain(mf.key_metadata),
    }


def entry_view(e):
    df = e.data_file
    return {
        "status": plain(e.status),
        "snapshot_id": plain(e.snapshot_id),
        "sequence_number": plain(e.sequence_number),
        "file_sequence_number": plain(e.file_sequence_number),
        "data_file": {
            "content": plain(df.content),
            "file_path": df.file_path,
            "file_format": plain(df.file_format),
            "partition": [plain(v) for v in df.partition],
            "record_count": plain(df.record_count),
            "file_size_in_bytes": plain(df.file_size_in_bytes),
            "column_sizes": plain(df.column_sizes),
            "value_counts": plain(df.value_counts),
            "null_value_counts": plain(df.null_value_counts),
            "nan_value_counts": plain(df.nan_value_counts),
            "lower_bounds": plain(df.lower_bounds),
            "upper_bounds": plain(df.upper_bounds),
            "key_metadata": plain(df.key_metadata),
            "split_offsets": plain(df.split_offsets),
            "equality_ids": plain(df.equality_ids),
            "sort_order_id": plain(df.sort_order_id),
        },
    }


def raw_entries(path):
    """Entries as stored, without inheritance: PyIceberg's AvroFile with its manifest read schema."""
    with AvroFile[ManifestEntry](
        IO.new_input(path),
        MANIFEST_ENTRY_SCHEMAS[DEFAULT_READ_VERSION],
        read_types={-1: ManifestEntry, 2: DataFile},
    ) as reader:
        meta = {k: v for k, v in reader.header.meta.items() if k != "avro.schema"}
        return meta, [entry_view(e) for e in reader]


def list_view(path):
    with AvroFile(IO.new_input(path)) as f:
        meta = {k: v for k, v in f.header.meta.items() if k != "avro.schema"}
    manifests = []
    for mf in read_manifest_list(IO.new_input(path)):
        manifest_meta, raw = raw_entries(mf.manifest_path)
        manifests.append(
            {
                "file": manifest_file_view(mf),
                "metadata": manifest_meta,
                "raw_entries": raw,
                "entries": [entry_view(e) for e in mf.fetch_manifest_entry(IO, discard_deleted=False)],
            }
        )
    return {"path": path, "metadata": meta, "manifests": manifests}


SCHEMA = Schema(
    NestedField(1, "image_id", StringType(), required=True),
    NestedField(2, "window_start", TimestamptzType(), required=False),
    NestedField(3, "event_count", LongType(), required=False),
    NestedField(4, "score", DoubleType(), required=False),
)
BY_DAY = PartitionSpec(PartitionField(source_id=2, field_id=1000, transform=DayTransform(), name="window_start_day"))
ARROW_SCHEMA = pa.schema(
    [
        pa.field("image_id", pa.string(), nullable=False),
        pa.field("window_start", pa.timestamp("us", tz="UTC")),
        pa.field("event_count", pa.int64()),
        pa.field("score", pa.float64()),
    ]
)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


BATCHES = [
    {
        "image_id": ["img-1", "img-2", "img-3", "img-4", "img-5"],
        "window_start": [utc(2024, 5, 1, 12, 0), utc(2024, 5, 1, 12, 5), utc(2024, 5, 2), None, utc(1969, 12, 31, 23, 59)],
        "event_count": [3, 0, 42, None, 7],
        "score": [0.5, float("nan"), 1.5, None, -2.0],
    },
    {
        "image_id": ["img-6"],
        "window_start": [utc(2024, 5, 2, 8, 30)],
        "event_count": [9223372036854775807],
        "score": [3.25],
    },
]


def tables(root):
    catalog = SqlCatalog("floe_interop", uri=f"sqlite:///{root}/catalog.db", warehouse=f"file://{root}/warehouse")
    catalog.create_namespace("interop")
    made = {
        "by_day": catalog.create_table("interop.by_day", schema=SCHEMA, partition_spec=BY_DAY),
        "flat_zstd": catalog.create_table(
            "interop.flat_zstd", schema=SCHEMA, properties={"write.avro.compression-codec": "zstd"}
        ),
        "v1_by_day": catalog.create_table(
            "interop.v1_by_day", schema=SCHEMA, partition_spec=BY_DAY, properties={"format-version": "1"}
        ),
    }
    out = {}
    for name, table in made.items():
        for batch in BATCHES:
            table.append(pa.table(batch, schema=ARROW_SCHEMA))
        table = catalog.load_table(f"interop.{name}")
        out[name] = {
            "format_version": plain(table.format_version),
            "location": table.location(),
            "spec": json.loads(table.spec().model_dump_json()),
            "snapshots": [
                {
                    "snapshot_id": plain(s.snapshot_id),
                    "parent_snapshot_id": plain(s.parent_snapshot_id),
                    "sequence_number": plain(s.sequence_number),
                    "manifest_list": s.manifest_list,
                    "list": list_view(s.manifest_list),
                }
                for s in table.snapshots()
            ],
        }
    return out


def main():
    command, *args = sys.argv[1:]
    if command == "tables":
        result = tables(args[0])
    elif command == "read":
        result = [list_view(p) for p in args]
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()

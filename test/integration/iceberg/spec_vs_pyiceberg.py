"""PyIceberg's answers for the cases spec-vs-pyiceberg.test.ts sends (a JSON file named by argv[1]).

Values travel as JSON in one encoding both sides share: 64-bit integers as decimal strings,
bytes as hex, decimals as their unscaled value as a string, floats as numbers or "NaN"/"Infinity"/
"-Infinity"/"-0". Every answer comes back in the same encoding, in the order of the cases.
"""
import json
import math
import sys
import uuid
from decimal import Decimal

import pyarrow.parquet as pq
from pyiceberg.conversions import to_bytes
from pyiceberg.io.pyarrow import (
    compute_statistics_plan,
    data_file_statistics_from_parquet_metadata,
    parquet_path_to_id_mapping,
    pyarrow_to_schema,
    schema_to_pyarrow,
)
from pyiceberg.partitioning import PartitionSpec
from pyiceberg.schema import Schema, assign_fresh_schema_ids
from pyiceberg.table.name_mapping import create_mapping_from_schema
from pyiceberg.transforms import TruncateTransform, parse_transform
from pyiceberg.typedef import Record
from pyiceberg.types import DecimalType, NestedField, StringType, BinaryType
from pyiceberg.utils.truncate import truncate_upper_bound_binary_string, truncate_upper_bound_text_string


def parse_type(text):
    return NestedField.model_validate({"id": 1, "name": "x", "required": False, "type": text}).field_type


def kind(iceberg_type):
    return str(iceberg_type).split("(")[0].split("[")[0]


def decode(iceberg_type, v):
    if v is None:
        return None
    k = kind(iceberg_type)
    if k in ("long", "time", "timestamp", "timestamptz", "timestamp_ns", "timestamptz_ns"):
        return int(v)
    if k in ("float", "double"):
        # float(): JSON carries an integral double such as 3e10 as an integer.
        return float({"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}.get(v, v))
    if k in ("binary", "fixed"):
        return bytes.fromhex(v)
    if k == "uuid":
        return uuid.UUID(v)
    if k == "decimal":
        unscaled = int(v)
        digits = tuple(int(d) for d in str(abs(unscaled)))
        return Decimal((1 if unscaled < 0 else 0, digits, -iceberg_type.scale))
    return v


def encode(iceberg_type, v):
    if v is None:
        return None
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, Decimal):
        # Integer arithmetic: Decimal operations round to the context's 28 digits.
        sign, digits, exponent = v.as_tuple()
        unscaled = int("".join(map(str, digits)) or "0")
        shift = exponent + iceberg_type.scale
        unscaled = unscaled * 10**shift if shift >= 0 else unscaled // 10**-shift
        return str(-unscaled if sign else unscaled)
    if isinstance(v, int):
        k = kind(iceberg_type)
        return v if k in ("int", "date", "boolean") else str(v)
    raise TypeError(f"cannot encode {v!r}")


def transform_results(cases):
    out = []
    for case in cases:
        source = parse_type(case["type"])
        transform = parse_transform(case["transform"])
        result = transform.transform(source)(decode(source, case["value"]))
        out.append(encode(transform.result_type(source), result))
    return out


def serialized(cases):
    return [to_bytes(parse_type(c["type"]), decode(parse_type(c["type"]), c["value"])).hex() for c in cases]


def bounds(cases):
    out = []
    for c in cases:
        if c["type"] == "string":
            lower = TruncateTransform(c["length"]).transform(StringType())(c["value"])
            upper = truncate_upper_bound_text_string(c["value"], c["length"])
            out.append({"lower": lower, "upper": upper})
        else:
            value = bytes.fromhex(c["value"])
            lower = TruncateTransform(c["length"]).transform(BinaryType())(value)
            upper = truncate_upper_bound_binary_string(value, c["length"])
            out.append({"lower": lower.hex(), "upper": None if upper is None else upper.hex()})
    return out


def paths(cases):
    out = []
    for c in cases:
        schema = Schema.model_validate(c["schema"])
        spec = PartitionSpec.model_validate(c["spec"])
        partition_type = spec.partition_type(schema)
        values = [decode(f.field_type, v) for f, v in zip(partition_type.fields, c["values"])]
        out.append(spec.partition_to_path(Record(*values), schema))
    return out


def file_metrics(path, schema_json):
    """The metrics PyIceberg records for a Parquet file it adds to a table, from the file's footer."""
    schema = Schema.model_validate(schema_json)
    stats = data_file_statistics_from_parquet_metadata(
        pq.read_metadata(path), compute_statistics_plan(schema, {}), parquet_path_to_id_mapping(schema)
    ).to_serialized_dict()
    return {
        "value_counts": stats["value_counts"],
        "null_value_counts": stats["null_value_counts"],
        "lower_bounds": {k: v.hex() for k, v in stats["lower_bounds"].items()},
        "upper_bounds": {k: v.hex() for k, v in stats["upper_bounds"].items()},
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    fresh = assign_fresh_schema_ids(Schema.model_validate(cases["fresh_schema"]))
    mapping_schema = Schema.model_validate(cases["mapping_schema"])
    floe_file_schema = pyarrow_to_schema(pq.read_schema(cases["parquet_from_floe"]))
    pyarrow_schema = schema_to_pyarrow(mapping_schema)
    pq.write_table(pyarrow_schema.empty_table(), cases["parquet_from_pyarrow"])
    print(json.dumps({
        "transforms": transform_results(cases["transforms"]),
        "serialized": serialized(cases["serialized"]),
        "bounds": bounds(cases["bounds"]),
        "paths": paths(cases["paths"]),
        "fresh_schema": json.loads(fresh.model_dump_json()),
        "name_mapping": json.loads(create_mapping_from_schema(mapping_schema).model_dump_json()),
        "floe_file_schema": json.loads(floe_file_schema.model_dump_json()),
        "metrics": file_metrics(cases["metrics_file"], cases["metrics_schema"]),
    }))


if __name__ == "__main__":
    main()

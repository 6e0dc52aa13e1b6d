"""PyIceberg's side of Floe's Iceberg benchmark (test/bench/iceberg.ts).

Usage: python iceberg_bench.py <command> <json args>; prints one JSON object on stdout.
  versions {}                                          Python, PyIceberg and pyarrow versions
  append   {"table": "ns.t", "ipc": "/path.arrow"}     reads the Arrow IPC file, then times
                                                       load_table + table.append(arrow_table)
  scan     {"table": "ns.t", "mode": "to_arrow"|"batches"}
                                                       times load_table + scan().to_arrow() (or
                                                       to_arrow_batch_reader(), batch by batch)
  preview  {"table": "ns.t", "runs": 7, "limit": 100}  times load_table + scan(limit=...).to_arrow()
  append_local {"ipc": "/path.arrow", "dir": "/tmp/x"}  as append, to a new table of a SQLite catalog
                                                       with its warehouse in that local folder (no S3)
Catalog and S3 settings from the environment, as test/services/pyiceberg/smoke.py reads them.

CPU time and peak RSS are measured as the Node side does (test/bench/phase-meter.ts): a thread
samples /proc/self/statm every 100 ms, and the kernel's high-water mark (VmHWM) is reset through
/proc/self/clear_refs when measuring starts.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../services/pyiceberg"))
from smoke import catalog_from_env  # noqa: E402

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.ipc as ipc  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def current_rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def high_water() -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class PhaseMeter:
    """CPU time (all threads) and peak RSS while measuring; the shape of the Node side's PhaseCost."""

    def __init__(self, interval=0.1):
        self.cpu_start = os.times()
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.can_reset = True
        except OSError:
            self.can_reset = False
        self.baseline = current_rss()
        self.peak = self.baseline
        self.samples = 0
        self.interval = interval
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, current_rss())
            self.samples += 1
            self.done.wait(self.interval)

    def stop(self) -> dict:
        cpu = os.times()
        hwm = high_water() if self.can_reset else None
        self.done.set()
        self.thread.join()
        return {
            "rss": {
                "sampled": max(self.peak, current_rss()),
                "samples": self.samples,
                "highWater": hwm,
                "baseline": self.baseline,
            },
            "cpuMs": ((cpu.user - self.cpu_start.user) + (cpu.system - self.cpu_start.system)) * 1000,
        }


def versions(_catalog, _args):
    import pyiceberg

    return {"python": sys.version.split()[0], "pyiceberg": pyiceberg.__version__, "pyarrow": pa.__version__}


def read_input(path):
    # The input in memory first, as a DataFrame would be: PyIceberg's append takes a whole table.
    with pa.OSFile(path, "rb") as f:
        data = ipc.open_file(f).read_all()
    # Field ids in the Arrow metadata are Floe's business; PyIceberg matches columns by name.
    plain = pa.schema([field.remove_metadata() for field in data.schema])
    return data.cast(plain)


def append_local(_catalog, args):
    from pyiceberg.catalog.sql import SqlCatalog

    local = SqlCatalog("local", uri=f"sqlite:///{args['dir']}/catalog.db", warehouse=f"file://{args['dir']}/warehouse")
    local.create_namespace("bench")
    data = read_input(args["ipc"])
    local.create_table("bench.encode_only", schema=data.schema)
    return append(local, {"table": "bench.encode_only"}, data)


def append(catalog, args, data=None):
    data = read_input(args["ipc"]) if data is None else data
    meter = PhaseMeter()
    t0 = time.perf_counter()
    table = catalog.load_table(args["table"])
    table.append(data)
    wall = time.perf_counter() - t0
    cost = meter.stop()
    summary = table.current_snapshot().summary
    return {
        "wallMs": wall * 1000,
        "rows": int(summary["added-records"]),
        "dataFiles": int(summary["added-data-files"]),
        "dataBytes": int(summary["added-files-size"]),
        "inputBytes": data.nbytes,
        **cost,
    }


def scan(catalog, args):
    meter = PhaseMeter()
    t0 = time.perf_counter()
    table = catalog.load_table(args["table"])
    rows = 0
    checksum = 0
    if args["mode"] == "batches":
        for batch in table.scan().to_arrow_batch_reader():
            rows += batch.num_rows
            checksum += pc.sum(batch.column("views_1hr")).as_py() or 0
    else:
        result = table.scan().to_arrow()
        rows = result.num_rows
        checksum = pc.sum(result.column("views_1hr")).as_py() or 0
    wall = time.perf_counter() - t0
    return {"wallMs": wall * 1000, "rows": rows, "checksum": checksum, **meter.stop()}


def preview(catalog, args):
    meter = PhaseMeter()
    runs = []
    rows = 0
    for _ in range(args["runs"]):
        t0 = time.perf_counter()
        table = catalog.load_table(args["table"])
        rows = table.scan(limit=args["limit"]).to_arrow().num_rows
        runs.append((time.perf_counter() - t0) * 1000)
    return {"wallMs": sum(runs), "rows": rows, "runsMs": runs, **meter.stop()}


if __name__ == "__main__":
    command, raw = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    commands = {"versions": versions, "append": append, "append_local": append_local, "scan": scan, "preview": preview}
    catalog = catalog_from_env() if command not in ("versions", "append_local") else None
    print(json.dumps(commands[command](catalog, json.loads(raw))))

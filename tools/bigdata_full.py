#!/usr/bin/env python
"""Week 11's big-data pipeline at full size, outside the book: ``make bigdata``.

Generates the foam phantom of ``qbi.bigdata`` chunk by chunk (never whole in memory), then
filters, thresholds, labels and measures it into a table of pores on a ``LocalCluster`` of 2
workers, each limited to the same memory: first on one of the workers, then on both.  The full volume is
several times larger than one worker's memory limit.  Prints the volume size, the per-worker
memory limit, the peak memory of the busiest worker, the bytes spilled to disk, the times on 1
and 2 workers and the speed-up, and checks the result: the same table on both runs, every true
pore found once, no worker died or was restarted.  Exit status 0 only when all checks pass.

With ``DASK_SCHEDULER_ADDRESS`` set, both runs go to that (existing) cluster instead.

Usage::

    .venv/bin/python tools/bigdata_full.py                 # full size (about 4.5 GiB)
    .venv/bin/python tools/bigdata_full.py --size small    # the book's size, seconds
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GiB, MiB = 2**30, 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default=os.environ.get("QBI_BIGDATA_SIZE", "full"),
                        help="small or full (default: $QBI_BIGDATA_SIZE, else full)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="worker counts to compare (default: 1 2)")
    args = parser.parse_args(argv)

    import numpy as np
    from dask.utils import parse_bytes

    from qbi import bigdata

    settings = bigdata.size_settings(args.size)
    shape, chunks, limit = settings["shape"], settings["chunks"], settings["memory_limit"]
    volume_bytes = int(np.prod(shape)) * 4
    external = os.environ.get(bigdata.ADDRESS_ENV)
    print(f"size {settings['size']!r}: volume {' x '.join(map(str, shape))} float32 = "
          f"{volume_bytes / GiB:.2f} GiB in chunks of {chunks}")
    if external:
        print(f"connecting to the existing cluster at {external} "
              f"({bigdata.ADDRESS_ENV} is set); its workers keep their own limits")
    else:
        print(f"per-worker memory limit {limit} = {parse_bytes(limit) / GiB:.2f} GiB: the volume "
              f"is {volume_bytes / parse_bytes(limit):.1f} x one worker's limit")

    start = time.perf_counter()
    truth = bigdata.true_pores(shape)
    print(f"ground truth: {len(truth)} pores ({time.perf_counter() - start:.1f} s)")

    runs, ok = {}, True
    start = time.perf_counter()
    with bigdata.client(n_workers=max(args.workers), memory_limit=limit) as client:
        print(f"cluster of {len(client.scheduler_info(n_workers=-1)['workers'])} worker(s) "
              f"ready in {time.perf_counter() - start:.1f} s; dashboard {client.dashboard_link}")
        for n in args.workers:
            runs[n] = run = bigdata.run(client, shape, chunks, n_workers=n)
            found = bigdata.compare_with_truth(run["table"], shape)
            print(f"{run['n_workers']} worker(s): {run['seconds']:.1f} s; peak worker memory "
                  f"{run['peak_worker_memory'] / MiB:.0f} MiB of a "
                  f"{(run['memory_limit'] or 0) / MiB:.0f} MiB limit; spilled "
                  f"{run['spilled'] / MiB:.0f} MiB; worker replaced: {run['workers_replaced']}; "
                  f"pores {found['n_found']} found, {found['found_once']} of {found['n_true']} "
                  "true ones found exactly once", flush=True)
            ok &= (not run["workers_replaced"] and found["n_found"] == found["n_true"]
                   == found["found_once"])

    counts = sorted(runs)
    if len(counts) > 1:
        first, last = runs[counts[0]], runs[counts[-1]]
        same = first["table"].equals(last["table"])
        speedup = first["seconds"] / last["seconds"]
        p = last["n_workers"] / first["n_workers"]
        serial = (1 / speedup - 1 / p) / (1 - 1 / p) if p > 1 else float("nan")
        print(f"speed-up {counts[0]} -> {counts[-1]} workers: {speedup:.2f} "
              f"(Karp-Flatt serial fraction {serial:.2f}); identical tables: {same}")
        ok &= same
    peak = max(r["peak_worker_memory"] for r in runs.values())
    print(f"summary: volume {volume_bytes / GiB:.2f} GiB, memory limit {limit} per worker, "
          f"peak worker memory {peak / MiB:.0f} MiB, "
          + ", ".join(f"{n} worker(s) {r['seconds']:.1f} s" for n, r in runs.items()))
    print("all checks passed" if ok else "CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Measure the book: build times and, per notebook, execution time and peak memory.

    python tools/bench.py            # everything (about 3 builds + each notebook once)
    python tools/bench.py --notebooks-only

Prints a Markdown table (and writes it to _build/bench.md):
* cold build, notebooks executed two at a time into the cache (the default `make book`);
* cold build, notebooks executed one at a time (for the speed-up);
* a no-change rebuild;
* for each notebook: wall time and the kernel's peak resident memory, executed alone
  in a fresh kernel (cwd = the notebook's folder, as in the build).
Budgets on a 2-core machine: each notebook < 60 s and < 2 GB; a no-change rebuild < 20 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from build import notebooks  # noqa: E402

import yaml  # noqa: E402

NB_BUDGET_S, NB_BUDGET_MB, REBUILD_BUDGET_S = 60, 2048, 20


def run_one(path: str) -> None:
    """Child mode: execute one notebook, print JSON with seconds and the kernel's peak RSS."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    seconds = time.perf_counter() - start
    # the kernel (and anything it started) has exited and been reaped: its peak RSS is here
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024}))


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--notebooks-only", action="store_true")
    args = parser.parse_args()
    if args.one:
        run_one(args.one)
        return 0
    lines = ["| what | time (s) | peak memory (MB) | budget |", "|---|---:|---:|---|"]
    ok = True
    if not args.notebooks_only:
        build = [sys.executable, "tools/build.py"]
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
        serial = timed(build + ["--serial"])
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
        parallel = timed(build)
        rebuild = timed(build)
        ok &= rebuild < REBUILD_BUDGET_S
        lines += [
            f"| cold build, notebooks one at a time | {serial:.1f} | | |",
            f"| cold build, notebooks two at a time (`make book`) | {parallel:.1f} | | "
            f"speed-up {serial / parallel:.2f}x |",
            f"| no-change rebuild | {rebuild:.1f} | | < {REBUILD_BUDGET_S} s "
            f"{'ok' if rebuild < REBUILD_BUDGET_S else 'OVER'} |",
        ]
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for nb in notebooks(ROOT, toc):
        out = subprocess.run([sys.executable, __file__, "--one", str(nb)], capture_output=True,
                             text=True, cwd=ROOT)
        if out.returncode != 0:
            lines.append(f"| {nb.relative_to(ROOT)} | FAILED | | |")
            ok = False
            continue
        m = json.loads(out.stdout.strip().splitlines()[-1])
        good = m["seconds"] < NB_BUDGET_S and m["peak_mb"] < NB_BUDGET_MB
        ok &= good
        lines.append(f"| {nb.relative_to(ROOT)} | {m['seconds']:.1f} | {m['peak_mb']:.0f} | "
                     f"< {NB_BUDGET_S} s, < {NB_BUDGET_MB} MB {'ok' if good else 'OVER'} |")
    table = "\n".join(lines)
    print(table)
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "bench.md").write_text(table + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Measure the book: build times and, per notebook, execution time and peak memory.

    python tools/bench.py            # everything (about 3 builds + each notebook once)
    python tools/bench.py --notebooks-only

Prints a Markdown table (and writes it to _build/bench.md):
* cold build, notebooks executed two at a time into the cache (the default `make book`);
* cold build, notebooks executed one at a time (for the speed-up);
* a no-change rebuild, and rebuilds after editing one lecture's markdown and one of its code
  cells (as shares of the cold build);
* grading a class of 50 submissions (submissions per minute);
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


EDITED = ROOT / "lectures" / "04-basic-segmentation.ipynb"


def edit_rebuilds(build: list[str]) -> tuple[float, float]:
    """Rebuild after editing one lecture's markdown, then one of its code cells (restored after)."""
    import nbformat

    original = EDITED.read_bytes()
    try:
        nb = nbformat.read(EDITED, as_version=4)
        md = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## "))
        md.source += "\n\n(edited by the benchmark)"
        nbformat.write(nb, EDITED)
        md_edit = timed(build)
        code = next(c for c in nb.cells if c.cell_type == "code" and "remove-cell" not in c.metadata.get("tags", []))
        code.source += "\n_bench_edit = 1"
        nbformat.write(nb, EDITED)
        code_edit = timed(build)
    finally:
        EDITED.write_bytes(original)
    timed(build)  # back to the committed lecture
    return md_edit, code_edit


def grading_bench(n: int = 50, week: str = "01") -> list[str]:
    """Grade a class of ``n`` submissions (solutions, blanks, half-done) and report the rate."""
    import tempfile

    import nbformat

    sys.path.insert(0, str(ROOT / "tests"))
    from test_week_grading import completed

    solution = next((ROOT / "solutions").glob(f"{week}-*.ipynb"))
    exercise = ROOT / "exercises" / solution.name
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        full = completed(solution, exercise)
        for i in range(n):
            kind = ("complete", "blank", "half")[i % 3]
            nb = nbformat.read(exercise, as_version=4) if kind == "blank" else nbformat.from_dict(full)
            if kind == "half":
                blank = nbformat.read(exercise, as_version=4)
                code = [j for j, c in enumerate(nb.cells) if c.cell_type == "code"]
                for j in code[len(code) // 2:]:
                    nb.cells[j] = blank.cells[j]
            nbformat.write(nb, folder / f"student{i:03d}_{kind}.ipynb")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qbi", "grade", "--week", week, str(folder), "--out",
                        str(Path(tmp) / "grades.csv"), "--jobs", "2"], cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
    rate = n / seconds * 60
    return [f"| grading a class of {n} (week {week}, 2 at a time) | {seconds:.1f} | | "
            f"{rate:.1f} submissions/min; 300 in {300 / rate:.1f} min (goal < 15) |"]


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
        md_edit, code_edit = edit_rebuilds(build)
        lines += [
            f"| cold build, notebooks one at a time | {serial:.1f} | | |",
            f"| cold build, notebooks two at a time (`make book`) | {parallel:.1f} | | "
            f"speed-up {serial / parallel:.2f}x |",
            f"| no-change rebuild | {rebuild:.1f} | | < {REBUILD_BUDGET_S} s "
            f"{'ok' if rebuild < REBUILD_BUDGET_S else 'OVER'}; {rebuild / parallel:.0%} of a cold build |",
            f"| one lecture's markdown edited | {md_edit:.1f} | | {md_edit / parallel:.0%} of a cold build |",
            f"| one lecture's code edited | {code_edit:.1f} | | {code_edit / parallel:.0%} of a cold build |",
        ]
    if not args.notebooks_only:
        lines += grading_bench()
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

#!/usr/bin/env python
"""Measure the book: build times and, per notebook, execution time and peak memory.

    python tools/bench.py            # everything (about 25 minutes on 2 quiet cores)
    python tools/bench.py --notebooks-only  # only: each notebook alone, one at a time
    python tools/bench.py --speedup  # only: all notebooks one at a time, then two at a time
    python tools/bench.py --grading  # only: grade a class of 50 (Moodle layout), 300 projected

Prints a Markdown table (and writes it to _build/bench.md):
* a cold build (`make book` without the set-up, from an empty _build/), phase by phase;
* a no-change rebuild (goal <= 5 % of the cold build), and rebuilds after editing one
  lecture's markdown and one of its code cells (as shares of the cold build);
* every notebook executed again one at a time (the build's executor, a throwaway cache):
  against the cold build's notebook phase, the speed-up of executing two at a time (goal
  >= 1.8x on 2 cores);
* grading a class of 50 submissions laid out as Moodle delivers them, one of them an endless
  loop and one writing outside its folder (submissions per minute, a class of 300 projected);
* for each notebook, from the one-at-a-time run: wall time (kernel start included) and the
  peak resident memory of its kernel's process tree (cwd = the notebook's folder).
Budgets on a 2-core machine: each notebook < 60 s and < 2 GB; a no-change rebuild < 20 s.
Run it with nothing else on the machine: the load average is printed with the speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
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

NB_BUDGET_S, NB_BUDGET_MB, REBUILD_BUDGET_S, REBUILD_SHARE = 60, 2048, 20, 0.05


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


FIRST = ["Ada", "Alan", "Barbara", "Claude", "Dorothy", "Edsger", "Frances", "Grace", "Hedy", "Ivan",
         "Joan", "Katherine", "Leslie", "Margaret", "Niklaus", "Radia", "Shafi", "Tim", "Valerie", "Yukihiro"]
LAST = ["Lovelace", "Turing", "Liskov", "Shannon", "Vaughan", "Dijkstra", "Allen", "Hopper", "Lamarr",
        "Sutherland", "Clarke", "Johnson", "Lamport", "Hamilton", "Wirth", "Perlman", "Goldwasser"]
LOOP = "while True:\n    pass"


def _escape(target: Path) -> str:
    """A cell that tries to write outside the submission's folder (absolute and relative paths)."""
    return (f"open({str(target)!r}, 'w').write('escaped')\n"
            f"open('../../{target.name}', 'w').write('escaped')")


def make_class(folder: Path, n: int, week: str, escape_target: Path) -> dict[str, str]:
    """``n`` submissions of ``week`` laid out as Moodle's "Download all submissions" delivers them:
    ``Firstname Lastname_123456_assignsubmission_file_/NN-slug.ipynb``.  A third each are the
    completed exercise, the blank exercise and a half-answered one; the second student (in the
    grader's order) loops forever, the third tries to write outside its folder.  Returns
    {Moodle participant id: kind}."""
    import nbformat

    sys.path.insert(0, str(ROOT / "tests"))
    from test_week_grading import completed

    solution = next((ROOT / "solutions").glob(f"{week}-*.ipynb"))
    exercise = ROOT / "exercises" / solution.name
    full, blank = completed(solution, exercise), nbformat.read(exercise, as_version=4)
    code = [j for j, c in enumerate(full.cells) if c.cell_type == "code"]
    names = sorted(f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}" for i in range(n))
    kinds = {}
    for i, name in enumerate(names):
        kind = {1: "loops forever", 2: "writes outside"}.get(i, ("complete", "blank", "half")[i % 3])
        nb = nbformat.from_dict(json.loads(json.dumps(blank if kind == "blank" else full)))
        if kind == "half":
            for j in code[len(code) // 2:]:
                nb.cells[j] = blank.cells[j]
        elif kind == "loops forever":
            nb.cells.insert(code[len(code) // 2], nbformat.v4.new_code_cell(LOOP))
        elif kind == "writes outside":
            nb.cells.insert(code[len(code) // 2], nbformat.v4.new_code_cell(_escape(escape_target)))
        participant = str(123400 + i)
        student = folder / f"{name}_{participant}_assignsubmission_file_"
        student.mkdir(parents=True)
        nbformat.write(nb, student / solution.name)
        kinds[participant] = kind
    return kinds


def grading_bench(n: int = 50, week: str = "01", jobs: int = 2, timeout: float = 60.0,
                  verbose: bool = False) -> list[str]:
    """Grade a class of ``n`` Moodle submissions (complete, blank, half-done, one endless loop, one
    that writes outside its folder) with ``python -m qbi grade`` and report the rate.

    Checks on the way: every submission gets a row; the loop stops at the time limit and the escape
    is refused (its file never appears); the other submissions are graded while the loop holds a
    worker, so one bad submission never stalls the batch."""
    import csv
    import tempfile

    if n < 3:
        raise ValueError("the class needs at least 3 submissions (one loops, one writes outside)")
    with tempfile.TemporaryDirectory(prefix="qbi-bench-grading-") as tmp:
        tmp = Path(tmp)
        escape_target = tmp / f"qbi-bench-escaped-{os.getpid()}.txt"
        kinds = make_class(tmp / "downloads", n, week, escape_target)
        out = tmp / "grades" / "grades.csv"
        cmd = [sys.executable, "-m", "qbi", "grade", "--week", week, str(tmp / "downloads"), "--out", str(out),
               "--jobs", str(jobs), "--timeout", f"{timeout:g}"]
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        finished = []  # (seconds since start, the submission's own seconds) per progress line
        with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
            for line in proc.stdout:
                now = time.perf_counter() - start
                if verbose:
                    print(f"[{now:6.1f} s] {line.rstrip()}", flush=True)
                if line.startswith("grade: ") and line.rstrip().endswith(" s)"):
                    finished.append((now, float(line.rsplit("(", 1)[1].split()[0])))
        seconds = time.perf_counter() - start
        # the grader, its fork server and every worker (each reaped by its parent) in CPU seconds
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        load = max(load_before, os.getloadavg()[0])
        with out.open(newline="") as fh:
            rows = {r["student"]: r for r in csv.DictReader(fh)}
        relative = Path(tempfile.gettempdir()) / escape_target.name  # ../../ of the grader's sandbox
        escaped = escape_target.exists() or relative.exists()
        relative.unlink(missing_ok=True)
    problems = []
    if len(rows) != n or any(r["message"].startswith("NOT GRADED") for r in rows.values()):
        problems.append(f"{sum(not r['message'].startswith('NOT GRADED') for r in rows.values())} of {n} graded")
    by_kind = {kind: rows.get(pid, {}) for pid, kind in kinds.items()}
    if "time limit" not in by_kind["loops forever"].get("message", ""):
        problems.append("the endless loop was not stopped at the time limit")
    if escaped or "blocked" not in by_kind["writes outside"].get("message", ""):
        problems.append("the write outside the submission's folder was not refused")
    # the loop's worker was busy from (its end - its seconds) to its end: others must finish meanwhile
    loop_end, loop_seconds = max(finished, key=lambda f: f[1]) if finished else (0.0, 0.0)
    during = sum(loop_end - loop_seconds < t < loop_end for t, _ in finished)
    if during == 0 and jobs > 1:
        problems.append("no other submission was graded while the endless loop ran: the batch stalled")
    per_sub = [s for _, s in finished]
    rate = n / seconds * 60
    # minutes for 300 with the cores to itself, an upper bound: every submission's CPU time, and on
    # top of it the wall time of as many endless loops as this class has, per 300
    loops = sum(k == "loops forever" for k in kinds.values())
    idle = 300 / n * (cpu + loops * timeout) / min(jobs, os.cpu_count() or 1) / 60
    mix = ", ".join(f"{list(kinds.values()).count(k)} {k}" for k in dict.fromkeys(kinds.values()))
    print(f"grading bench: {n} submissions of week {week} ({mix}), {jobs} at a time, "
          f"time limit {timeout:g} s", flush=True)
    print(f"  wall time {seconds:.1f} s; per submission median {sorted(per_sub)[len(per_sub) // 2]:.1f} s, "
          f"the loop {loop_seconds:.1f} s, {during} others graded while it ran", flush=True)
    print(f"  {rate:.1f} submissions/min; a class of 300 in {300 / rate:.1f} min (goal < 15)"
          + ("" if not problems else "; PROBLEMS: " + "; ".join(problems)), flush=True)
    print(f"  CPU {cpu:.0f} s in all ({cpu / n:.1f} s per submission, the endless loop's share "
          f"included); load average {load:.1f} on {os.cpu_count()} cores (other programs share them); "
          f"with the cores to itself: 300 in at most {idle:.1f} min", flush=True)
    verdict = "ok" if 300 / rate < 15 and not problems else "OVER" if not problems else "; ".join(problems)
    return [f"| grading a class of {n} (week {week}, {jobs} at a time, one endless loop, one escape) | "
            f"{seconds:.1f} | | {rate:.1f} submissions/min; 300 in {300 / rate:.1f} min (goal < 15) {verdict}; "
            f"CPU {cpu / n:.1f} s per submission, load average {load:.1f} |"]


def execute_all(jobs: int) -> tuple[float, list[dict]]:
    """Execute every notebook of the book into a throwaway cache with the build's own executor
    (tools/build.py), ``jobs`` at a time; the site and its cache are left alone.  Returns the
    wall time and the per-notebook records (seconds, peak memory of the kernel, error)."""
    import tempfile

    from build import Output, pre_execute

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    nbs = notebooks(ROOT, yaml.safe_load((ROOT / "_toc.yml").read_text()))
    timeout = int((config.get("execute") or {}).get("timeout", 120))
    with tempfile.TemporaryDirectory(prefix="qbi-bench-cache-") as tmp:
        out = Output(Path(tmp) / "logs" / "bench.log")
        start = time.perf_counter()
        records = pre_execute(ROOT, Path(tmp) / ".jupyter_cache", nbs, timeout, jobs, out, record=False)
        wall = time.perf_counter() - start
        out.close()
    return wall, records


def totals(records: list[dict]) -> tuple[float, float, list[str]]:
    """Notebook seconds, kernel CPU seconds and the failed notebooks of an execution run."""
    return (sum(r["seconds"] for r in records), sum(r["cpu_s"] for r in records),
            [Path(r["uri"]).name for r in records if r["error"]])


def speedup_lines(wall: dict, busy: dict, cpu: dict, failed: dict, n: int,
                  load: tuple[float, float]) -> list[str]:
    """The two rows of the speed-up.  ``cpu``: CPU seconds of the kernels (and what they started);
    CPU / wall is how many cores were busy on average, so one at a time is not one core when the
    notebooks' libraries (BLAS, dask) use threads, and 2 / that is the most two at a time can gain."""
    ratio = wall[1] / wall[2]
    note = {j: f"; FAILED (not comparable): {', '.join(f)}" if f else "" for j, f in failed.items()}
    cores = {j: cpu[j] / wall[j] for j in wall}
    ceiling = (os.cpu_count() or 2) / cores[1] if cores[1] else float("nan")
    return [f"| {n} notebooks executed one at a time (threads as the libraries choose) | {wall[1]:.1f} | | "
            f"{busy[1]:.0f} s of notebook time, {cpu[1]:.0f} s CPU: {cores[1]:.2f} cores busy on average, "
            f"so two at a time can be at most {ceiling:.2f}x faster; load average {load[0]:.1f} before{note[1]} |",
            f"| {n} notebooks executed two at a time, one BLAS thread each (`make book`) | {wall[2]:.1f} | | "
            f"speed-up {ratio:.2f}x (goal >= 1.8) {'ok' if ratio >= 1.8 and not any(failed.values()) else 'UNDER'}; "
            f"{busy[2]:.0f} s of notebook time, {cpu[2]:.0f} s CPU: {cores[2]:.2f} cores busy; "
            f"load average {load[1]:.1f} after{note[2]} |"]


def speedup_bench() -> list[str]:
    """Every notebook one at a time and then two at a time (throwaway caches): the speed-up.
    Other work on the machine skews the ratio: the load average before and after is reported."""
    load_before, wall, busy, cpu, failed = os.getloadavg()[0], {}, {}, {}, {}
    for jobs in (1, 2):
        wall[jobs], records = execute_all(jobs)
        busy[jobs], cpu[jobs], failed[jobs] = totals(records)
    return speedup_lines(wall, busy, cpu, failed, len(records), (load_before, os.getloadavg()[0]))


def notebook_lines(records: list[dict]) -> tuple[list[str], bool]:
    """One row per notebook (executed alone, one at a time), in the book's order."""
    order = {str(nb): i for i, nb in enumerate(notebooks(ROOT, yaml.safe_load((ROOT / "_toc.yml").read_text())))}
    lines, ok = [], True
    for r in sorted(records, key=lambda r: order.get(r["uri"], len(order))):
        name = Path(r["uri"]).relative_to(ROOT)
        if r["error"]:
            lines.append(f"| {name} | FAILED | | |")
            ok = False
            continue
        good = r["seconds"] < NB_BUDGET_S and r["peak_mb"] < NB_BUDGET_MB
        ok &= good
        lines.append(f"| {name} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | "
                     f"< {NB_BUDGET_S} s, < {NB_BUDGET_MB} MB {'ok' if good else 'OVER'} |")
    return lines, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks-only", action="store_true", help="only each notebook's time and memory")
    parser.add_argument("--speedup", action="store_true",
                        help="only: execute all notebooks one at a time, then two at a time (into a "
                             "throwaway cache) and report the speed-up")
    parser.add_argument("--grading", action="store_true",
                        help="only grade a class (Moodle folders: complete, blank and half-answered "
                             "copies, one endless loop, one write outside its folder) and report "
                             "submissions per minute and the time for a class of 300")
    parser.add_argument("--n", type=int, default=50, help="class size for --grading (default 50)")
    parser.add_argument("--week", default="01", help="the week graded by --grading (default 01)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions at a time for --grading (default 2)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds per submission for --grading (default 60, as `qbi grade`)")
    parser.add_argument("--verbose", action="store_true", help="with --grading: show the grader's progress")
    args = parser.parse_args()
    if args.speedup:
        lines = speedup_bench()
        print("\n".join(["| what | time (s) | peak memory (MB) | budget |", "|---|---:|---:|---|", *lines]))
        return 0 if lines[-1].split("(goal >= 1.8) ")[1].startswith("ok") else 1
    if args.grading:
        lines = grading_bench(args.n, args.week, args.jobs, args.timeout, args.verbose)
        print("\n".join(["| what | time (s) | peak memory (MB) | budget |", "|---|---:|---:|---|", *lines]))
        return 0 if lines[0].rstrip(" |").endswith("ok") else 1
    lines = ["| what | time (s) | peak memory (MB) | budget |", "|---|---:|---:|---|"]
    ok = True
    load_before = os.getloadavg()[0]
    if not args.notebooks_only:
        build = [sys.executable, "tools/build.py"]
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
        cold = timed(build)
        phases = json.loads((ROOT / "_build" / "logs" / "last-build.json").read_text())
        rebuild = timed(build)
        ok &= rebuild < REBUILD_BUDGET_S and rebuild / cold <= REBUILD_SHARE
        md_edit, code_edit = edit_rebuilds(build)
    # every notebook alone, one at a time: its time and memory, and the serial side of the speed-up
    serial, records = execute_all(1)
    nb_lines, nb_ok = notebook_lines(records)
    ok &= nb_ok
    if not args.notebooks_only:
        busy, cpu, failed = totals(records)
        lines += speedup_lines({1: serial, 2: phases["notebooks_s"]},
                               {1: busy, 2: phases["notebook_time_s"]}, {1: cpu, 2: phases["notebook_cpu_s"]},
                               {1: failed, 2: []}, len(records), (load_before, os.getloadavg()[0]))
        share = rebuild / cold
        lines += [
            f"| cold build (`make book` without the set-up): notebooks {phases['notebooks_s']:.0f} s, "
            f"site {phases['site_s']:.0f} s, decks {phases['slides_s']:.0f} s, "
            f"handouts {phases['handouts_s']:.0f} s | {cold:.1f} | | |",
            f"| no-change rebuild | {rebuild:.1f} | | < {REBUILD_BUDGET_S} s and <= {REBUILD_SHARE:.0%} "
            f"of a cold build: {share:.1%} {'ok' if rebuild < REBUILD_BUDGET_S and share <= REBUILD_SHARE else 'OVER'} |",
            f"| one lecture's markdown edited (nothing re-executed) | {md_edit:.1f} | | {md_edit / cold:.1%} of a cold build |",
            f"| one lecture's code cell edited (that notebook re-executed) | {code_edit:.1f} | | "
            f"{code_edit / cold:.1%} of a cold build |",
        ]
        lines += grading_bench()
    lines += nb_lines
    table = "\n".join(lines)
    print(table)
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "bench.md").write_text(table + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Build the course site: execute every notebook (two at a time) and render _build/html.

Steps (each printed as it runs; the full log goes to _build/logs/build.log)
1. Read _config.yml / _toc.yml.  With ``course.publish_solutions: false`` the
   solutions are left out (a temporary table of contents without them is used).
2. Execute the notebooks into the book's jupyter-cache, two at a time, the longest
   first (by the times recorded in _build/logs/notebook-times.json), each kernel with
   one BLAS/OpenMP thread; unchanged notebooks are not re-run.  One line per notebook:
   its time and the peak memory of its kernel processes.  A failing notebook stops the
   build here with its cell and traceback in full.
3. ``jupyter-book build -W -n --keep-going``: renders the pages from the cache.
   Any Sphinx warning fails the build (shown in full; Sphinx's progress is in the log).
4. Build the reveal.js slide decks of the lectures into _build/html/slides/, then the
   PDF handouts of the lecture and exercise pages.

Usage: python tools/build.py [--root DIR] [--jobs N | --serial] [--no-slides]
Exit status: non-zero when any step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def toc_files(toc: dict) -> list[str]:
    """Every document of a jb-book table of contents, in order."""
    out = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                out.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return out


def without_solutions(toc: dict) -> dict:
    """The table of contents without any entry under solutions/ (and without emptied parts)."""

    def prune(entries):
        kept = []
        for entry in entries or []:
            if str(entry.get("file", "")).startswith("solutions/"):
                continue
            entry = dict(entry)
            for key in ("chapters", "sections"):
                if key in entry:
                    entry[key] = prune(entry[key])
                    if not entry[key]:
                        del entry[key]
            kept.append(entry)
        return kept

    toc = dict(toc)
    if "parts" in toc:
        toc["parts"] = [p for p in prune(toc["parts"]) if p.get("chapters")]
    if "chapters" in toc:
        toc["chapters"] = prune(toc["chapters"])
    return toc


def notebooks(root: Path, toc: dict) -> list[Path]:
    return [root / f"{f}.ipynb" for f in toc_files(toc) if (root / f"{f}.ipynb").exists()]


# BLAS and OpenMP use every core by default: two kernels at a time on two cores would then
# run four busy threads and slow each other down.  With several notebooks at a time each
# kernel gets one thread (unless the caller set these already).
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
NOISE = ("Kernel is running over TCP without encryption",)
TIMES_FILE = "notebook-times.json"


def _kernel_tree_sampler(stop, peak: list[int], every: float = 0.2) -> None:
    """Largest resident memory of this process's children (the kernel and what it started)."""
    import psutil

    me = psutil.Process()
    while not stop.wait(every):
        total = 0
        for child in me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)


def _execute_one(job: tuple) -> dict:
    """Pool worker (a fresh forked process per notebook): execute one notebook of the book's
    cache and store the result there, as jupyter-cache's own executor does.  Returns its time,
    the peak memory of its kernel processes and, on failure, the traceback."""
    import resource
    import threading
    import traceback

    uri, cache_path, timeout, one_thread, kernel_log = job
    if one_thread:
        for var in THREAD_VARS:
            os.environ.setdefault(var, "1")
    # the kernel inherits stdout/stderr: its start-up chatter goes to the notebook's log file
    Path(kernel_log).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(kernel_log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=_kernel_tree_sampler, args=(stop, peak), daemon=True)
    sampler.start()
    start = time.perf_counter()
    error = None
    try:
        from jupyter_cache import get_cache
        from jupyter_cache.cache.db import NbProjectRecord
        from jupyter_cache.executors.utils import create_cache_bundle, single_nb_execution

        cache = get_cache(cache_path)
        project_nb = cache.get_project_notebook(uri)
        result = single_nb_execution(project_nb.nb, cwd=str(Path(uri).parent), timeout=timeout,
                                     allow_errors=False)
        if result.err is not None:
            error = result.exc_string or str(result.err)
            NbProjectRecord.set_traceback(uri, error, cache.db)
        else:
            bundle = create_cache_bundle(project_nb, result.cwd, None, result.time, None)
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
    except Exception:  # noqa: BLE001 - a dead kernel, an unreadable notebook: report it
        error = traceback.format_exc()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    # exact peak of the largest process the kernel tree had (all of them have exited now), and
    # the CPU time of the whole tree (the kernel, and anything it started, has been reaped)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"uri": uri, "seconds": seconds, "peak_mb": max(peak[0], usage.ru_maxrss * 1024) / 2**20,
            "cpu_s": usage.ru_utime + usage.ru_stime, "error": error}


def _remember_readers() -> None:
    """jupyter-cache looks its notebook reader up among the installed packages' entry points
    for every notebook (0.1-0.5 s each, most of a no-change build's bookkeeping): look it up once."""
    try:
        import jupyter_cache.cache.main as cache_main
        from jupyter_cache.readers import get_reader
    except ImportError:
        return
    if getattr(cache_main.get_reader, "remembered", False):
        return
    memo: dict = {}

    def remembered(data):
        key = tuple(sorted((data or {}).items()))
        if key not in memo:
            memo[key] = get_reader(data)
        return memo[key]

    remembered.remembered = True
    cache_main.get_reader = remembered


def _expected_seconds(root: Path, cache, nbs: list[Path]) -> dict[str, float]:
    """How long each notebook took last time (this build's records, else the execution
    cache's), for scheduling the longest first.  Without a record: lectures before solutions
    before exercises, larger notebooks first (a fresh clone)."""
    expected: dict[str, float] = {}
    try:
        for record in cache.list_cache_records():
            seconds = (record.data or {}).get("execution_seconds")
            if seconds:
                expected[str(Path(record.uri))] = float(seconds)
    except Exception:  # noqa: BLE001 - an old cache format: fall back to the guess
        pass
    times = root / "_build" / "logs" / TIMES_FILE
    if times.exists():
        try:
            for rel, rec in json.loads(times.read_text()).items():
                expected[str(root / rel)] = float(rec["seconds"])
        except (ValueError, KeyError, TypeError):
            pass
    weight = {"lectures": 3.0, "solutions": 1.5, "exercises": 1.2}
    for nb in nbs:
        if str(nb) not in expected:
            code = sum(len(c.get("source", "")) for c in _cells(nb) if c.get("cell_type") == "code")
            expected[str(nb)] = weight.get(nb.parent.name, 1.0) * (1 + code / 2000)
    return expected


def _cells(nb: Path) -> list[dict]:
    try:
        return json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []


def _minutes(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{seconds:.1f} s"


def _bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else width
    return "#" * filled + "." * (width - filled)


def pre_execute(root: Path, cache_path: Path, nbs: list[Path], timeout: int, jobs: int,
                out, record: bool = True) -> list[dict]:
    """Fill the book's execution cache, ``jobs`` notebooks at a time, the longest first; the
    Sphinx build then only reads the cache.  Unchanged notebooks (same code) are not re-run.
    Prints one line per notebook (time, peak memory of its kernel processes) and every
    failure's traceback in full; returns the per-notebook records.  With ``record`` their times
    and memory go to _build/logs/notebook-times.json (the next build's schedule)."""
    import multiprocessing

    from jupyter_cache import get_cache

    _remember_readers()
    cache = get_cache(str(cache_path))
    known = {r.uri for r in cache.list_project_records()}
    for nb in nbs:
        if str(nb) not in known:
            cache.add_nb_to_project(str(nb), read_data={"name": "nbformat", "type": "plugin"})
    todo = [Path(r.uri) for r in cache.list_unexecuted(filter_uris=[str(nb) for nb in nbs])]
    expected = _expected_seconds(root, cache, nbs)
    todo.sort(key=lambda nb: -expected.get(str(nb), 0.0))
    jobs = max(1, min(jobs, len(todo)))
    logs = cache_path.parent / "logs" / "notebooks"     # _build/logs/notebooks for the book
    rel = lambda p: Path(p).relative_to(root).as_posix() if Path(p).is_relative_to(root) else str(p)  # noqa: E731
    one_thread = jobs > 1
    out.say(f"build: [1/4] notebooks: {len(nbs)} in the book, {len(nbs) - len(todo)} unchanged "
            f"(in the cache), {len(todo)} to execute"
            + (f", {jobs} at a time, longest first, one BLAS/OpenMP thread per kernel"
               if jobs > 1 and todo else ""))
    records: list[dict] = []
    start = time.perf_counter()
    if todo:
        work = [(str(nb), str(cache_path), timeout, one_thread,
                 str(logs / (rel(nb).replace("/", "__") + ".log"))) for nb in todo]
        width = max(len(rel(nb)) for nb in todo)
        # a fresh process per notebook (maxtasksperchild=1): its children's peak memory is that
        # notebook's; fork, so the workers start at once without re-importing anything
        with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=1) as pool:
            for rec in pool.imap_unordered(_execute_one, work, chunksize=1):
                records.append(rec)
                n = len(records)
                status = "FAILED" if rec["error"] else ""
                out.say(f"[{n:>{len(str(len(todo)))}}/{len(todo)}] {_bar(n, len(todo))} "
                        f"{rel(rec['uri']):<{width}}  {rec['seconds']:5.1f} s  {rec['peak_mb']:5.0f} MB"
                        f"  ({_minutes(time.perf_counter() - start)} elapsed) {status}".rstrip(),
                        err=bool(rec["error"]))
                kernel_log = Path(work[todo.index(Path(rec["uri"]))][4])
                chatter = kernel_log.read_text(errors="replace") if kernel_log.exists() else ""
                if chatter.strip():
                    out.log(f"  kernel output of {rel(rec['uri'])}:\n"
                            + "".join(f"    {line}\n" for line in chatter.splitlines()))
                if rec["error"]:
                    out.say(f"build: {rel(rec['uri'])} failed; the cell and its error:\n{rec['error']}",
                            err=True)
                    extra = [line for line in chatter.splitlines() if not any(n in line for n in NOISE)]
                    if extra:
                        out.say("  the kernel printed:\n" + "\n".join(f"    {line}" for line in extra),
                                err=True)
    wall = time.perf_counter() - start
    failed = [r for r in records if r["error"]]
    busy = sum(r["seconds"] for r in records)
    out.say(f"build: pre-executed {len(records) - len(failed)} notebook(s) in {_minutes(wall)}"
            + (f" ({busy:.0f} s of notebook time, {busy / wall:.2f} at a time on average)"
               if records and wall > 0 else "")
            + (f"; {len(failed)} FAILED" if failed else ""))
    if records and record:
        times_path = root / "_build" / "logs" / TIMES_FILE
        try:
            known = json.loads(times_path.read_text()) if times_path.exists() else {}
        except ValueError:
            known = {}
        for r in records:
            if not r["error"]:
                known[rel(r["uri"])] = {"seconds": round(r["seconds"], 2), "peak_mb": round(r["peak_mb"])}
        times_path.parent.mkdir(parents=True, exist_ok=True)
        times_path.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
    return records


SOLUTION_LINK = re.compile(r'<a class="qbi-solution"[^>]*>(.*?)</a>', re.S)


def hide_solution_links(html_dir: Path) -> int:
    """With solutions unpublished, turn the pages' solution links into plain text."""
    changed = 0
    for page in html_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = SOLUTION_LINK.sub(r'<span class="qbi-solution">\1 (released later)</span>', text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def cache_dir(root: Path, config: dict) -> Path:
    """The book's jupyter-cache folder (``execute.cache`` in _config.yml)."""
    return root / (config.get("execute") or {}).get("cache", "_build/.jupyter_cache")


def failed_notebooks(root: Path, config: dict, nbs: list[Path]) -> list[Path]:
    """The notebooks that have no successful run, as they are now, in the execution cache."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir(root, config)))
    failed = []
    for nb in nbs:
        try:
            cache.match_cache_notebook(nbformat.read(nb, as_version=4))
        except KeyError:
            failed.append(nb)
    return failed


ANSI = re.compile(r"\x1b\[[0-9;]*m")
# "slides: kept _build/html/slides/02-beta.html (...)", "handouts: kept handouts/02-beta.pdf (...)"
KEPT = re.compile(r"^(?:slides|handouts): kept (?:\S*/)?([^/\s]+?)(?:\.html|\.pdf)? ")


class Output:
    """The build's two audiences: the terminal gets a progress report (one line per notebook
    and per step, warnings and errors in full), ``_build/logs/build.log`` gets everything
    (Sphinx's status lines, each kernel's output, the tools' output)."""

    def __init__(self, log_path: Path):
        import threading

        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.path = log_path
        self.file = log_path.open("w", encoding="utf-8")
        self.lock = threading.Lock()
        self.hidden = 0

    def log(self, text: str) -> None:
        with self.lock:
            self.file.write(ANSI.sub("", text if text.endswith("\n") else text + "\n"))
            self.file.flush()

    def say(self, text: str, err: bool = False) -> None:
        self.log(text)
        stream = sys.stderr if err else sys.stdout
        with self.lock:
            print(text, file=stream, flush=True)

    def run(self, cmd: list[str], cwd: Path, show_stdout: bool = True) -> int:
        """Run a tool: all its output to the log; to the terminal its stderr (warnings and
        errors) and, with ``show_stdout``, its stdout, without the kernels' start-up warning.
        The decks and handouts a tool kept (unchanged) are summed up in one line."""
        import threading

        kept: list[str] = []
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, errors="replace", env=dict(os.environ, PYTHONUNBUFFERED="1"))

        def pump(stream, console, show):
            for line in stream:
                self.log(line)
                if not show:
                    continue
                if any(n in line for n in NOISE):
                    with self.lock:
                        self.hidden += 1
                    continue
                if (m := KEPT.match(line)) is not None:
                    kept.append(m.group(1))
                    continue
                with self.lock:
                    console.write(line)
                    console.flush()

        threads = [threading.Thread(target=pump, args=(proc.stdout, sys.stdout, show_stdout)),
                   threading.Thread(target=pump, args=(proc.stderr, sys.stderr, True))]
        for t in threads:
            t.start()
        status = proc.wait()
        for t in threads:
            t.join()
        if kept:
            tool = next((c for c in cmd if c in ("slides", "handouts")), "build")
            names = ", ".join(kept) if len(kept) <= 4 else "each named in the log"
            self.say(f"{tool}: kept {len(kept)} unchanged ({names})")
        return status

    def close(self) -> None:
        self.file.close()


def main(argv: list[str] | None = None) -> int:
    # Progress bars help a student who runs a notebook; on the static site their "\r" updates
    # would print as a stack of half-filled bars, so the kernels of the build run without them.
    os.environ.setdefault("TQDM_DISABLE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE.parent, help="the book's root folder")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="notebooks executed at the same time (default: 2, or 1 on one core)")
    parser.add_argument("--serial", action="store_true",
                        help="notebooks one at a time (the same as --jobs 1)")
    parser.add_argument("--no-slides", action="store_true",
                        help="do not build the slide decks and the PDF handouts")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    out = Output(root / "_build" / "logs" / "build.log")
    try:
        return build(root, 1 if args.serial else max(1, args.jobs), not args.no_slides, out)
    finally:
        log_name = out.path.relative_to(root) if out.path.is_relative_to(root) else out.path
        note = f" ({out.hidden} kernel start-up warnings left out here)" if out.hidden else ""
        out.say(f"build: the full log is {log_name}{note}")
        out.close()


def build(root: Path, jobs: int, slides: bool, out: Output) -> int:
    t0 = time.perf_counter()
    phases: list[str] = []
    timing: dict = {"jobs": jobs}   # seconds per phase -> _build/logs/last-build.json (make bench)
    config = yaml.safe_load((root / "_config.yml").read_text())
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    publish = (config.get("course") or {}).get("publish_solutions", True)
    build_cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", "-W", "-n", "--keep-going",
                 "--path-output", str(root), str(root)]
    tmp_toc = None
    if not publish:
        toc = without_solutions(toc)
        tmp_toc = tempfile.NamedTemporaryFile("w", suffix=".yml", dir=root, delete=False)
        yaml.safe_dump(toc, tmp_toc, sort_keys=False)
        tmp_toc.close()
        build_cmd[-1:-1] = ["--toc", tmp_toc.name]
        out.say("build: course.publish_solutions is false: solutions/ left out of the site")
    nbs = notebooks(root, toc)
    try:
        execute = config.get("execute", {})
        if execute.get("execute_notebooks") == "cache":
            start = time.perf_counter()
            records = pre_execute(root, cache_dir(root, config), nbs, int(execute.get("timeout", 120)),
                                  jobs, out)
            timing["notebooks_s"] = time.perf_counter() - start
            timing["executed"] = len(records)
            timing["notebook_time_s"] = sum(r["seconds"] for r in records)
            timing["notebook_cpu_s"] = sum(r.get("cpu_s", 0.0) for r in records)
            phases.append(f"notebooks {_minutes(timing['notebooks_s'])}")
            failed = [r for r in records if r["error"]]
            if failed:
                # the errors are above in full; the Sphinx build would only run them again
                for r in failed:
                    out.say(f"build: FAILED notebook {Path(r['uri']).relative_to(root)}", err=True)
                out.say("build: FAILED - see the notebook and cell named above "
                        "(a cell that is meant to fail needs the tag raises-exception)", err=True)
                return 1
        out.say("build: [2/4] site: jupyter-book build -W -n --keep-going (Sphinx's progress is in the log)")
        start = time.perf_counter()
        status = out.run(build_cmd, cwd=root, show_stdout=False)
        seconds = time.perf_counter() - start
        timing["site_s"] = seconds
        phases.append(f"site {_minutes(seconds)}")
        out.say(f"build: jupyter-book finished in {seconds:.1f} s with exit status {status}"
                + ("" if status else f": the site is in {(root / '_build' / 'html').relative_to(root)}/"))
    finally:
        if tmp_toc is not None:
            os.unlink(tmp_toc.name)
    if status != 0:
        for nb in failed_notebooks(root, config, nbs):
            out.say(f"build: FAILED notebook {nb.relative_to(root)}", err=True)
        out.say("build: FAILED - see the notebook and cell named above, or the warning "
                "(a cell that is meant to fail needs the tag raises-exception)", err=True)
        return status
    if not publish:
        hide_solution_links(root / "_build" / "html")
    if slides:
        out.say("build: [3/4] slide decks of the lectures")
        start = time.perf_counter()
        status = out.run([sys.executable, "-m", "qbi", "slides"], cwd=root)
        timing["slides_s"] = time.perf_counter() - start
        phases.append(f"slides {_minutes(timing['slides_s'])}")
        # PDF handouts of the lecture and exercise pages (needs Debian's chromium); after the
        # decks, which add their link to the lecture pages that the handouts print
        out.say("build: [4/4] PDF handouts of the lecture and exercise pages")
        start = time.perf_counter()
        handouts = out.run([sys.executable, "-m", "qbi", "handouts", "--html",
                            str(root / "_build" / "html")], cwd=root)
        timing["handouts_s"] = time.perf_counter() - start
        phases.append(f"handouts {_minutes(timing['handouts_s'])}")
        status = status or handouts
    timing.update(status=status, total_s=time.perf_counter() - t0)
    (root / "_build" / "logs" / "last-build.json").write_text(json.dumps(timing, indent=1) + "\n")
    out.say(f"build: {'done' if status == 0 else 'FAILED'} in {_minutes(time.perf_counter() - t0)} "
            f"({', '.join(phases)})", err=status != 0)
    return status


if __name__ == "__main__":
    sys.exit(main())

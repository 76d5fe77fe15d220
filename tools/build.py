#!/usr/bin/env python
"""Build the course site: execute every notebook (two at a time) and render _build/html.

Steps
1. Read _config.yml / _toc.yml.  With ``course.publish_solutions: false`` the
   solutions are left out (a temporary table of contents without them is used).
2. Pre-execute the notebooks into the book's jupyter-cache with the parallel
   executor (one process per core); unchanged notebooks are not re-run.
3. ``jupyter-book build -W -n --keep-going``: renders the pages from the cache.
   Any notebook error (outside cells tagged ``raises-exception``) and any Sphinx
   warning fails the build; the log names the notebook and the cell.
4. Build the reveal.js slide decks of the lectures into _build/html/slides/.

Usage: python tools/build.py [--root DIR] [--serial] [--no-slides]
Exit status: non-zero when any step failed.
"""

from __future__ import annotations

import argparse
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


def pre_execute(cache_path: Path, nbs: list[Path], timeout: int) -> None:
    """Fill the book's execution cache, one notebook per core.  Failures are left to the
    book build, which re-runs uncached notebooks and reports their errors."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache = get_cache(str(cache_path))
    for nb in nbs:
        cache.add_nb_to_project(str(nb), read_data={"name": "nbformat", "type": "plugin"})
    executor = load_executor("local-parallel", cache=cache)
    todo = [str(nb) for nb in nbs]
    start = time.perf_counter()
    result = executor.run_and_cache(filter_uris=todo, timeout=timeout, allow_errors=False)
    print(f"build: pre-executed {len(result.succeeded)} notebook(s) in "
          f"{time.perf_counter() - start:.1f} s ({len(result.excepted) + len(result.errored)} failed, "
          "re-run by the book build for the report)", flush=True)


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


def main(argv: list[str] | None = None) -> int:
    # Progress bars help a student who runs a notebook; on the static site their "\r" updates
    # would print as a stack of half-filled bars, so the kernels of the build run without them.
    os.environ.setdefault("TQDM_DISABLE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE.parent, help="the book's root folder")
    parser.add_argument("--serial", action="store_true", help="skip parallel pre-execution")
    parser.add_argument("--no-slides", action="store_true", help="do not build the slide decks")
    args = parser.parse_args(argv)
    root = args.root.resolve()
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
        print("build: course.publish_solutions is false: solutions/ left out of the site")
    try:
        execute = config.get("execute", {})
        if not args.serial and execute.get("execute_notebooks") == "cache":
            pre_execute(cache_dir(root, config), notebooks(root, toc), int(execute.get("timeout", 120)))
        start = time.perf_counter()
        status = subprocess.call(build_cmd, cwd=root)
        print(f"build: jupyter-book finished in {time.perf_counter() - start:.1f} s "
              f"with exit status {status}", flush=True)
    finally:
        if tmp_toc is not None:
            os.unlink(tmp_toc.name)
    if status != 0:
        for nb in failed_notebooks(root, config, notebooks(root, toc)):
            print(f"build: FAILED notebook {nb.relative_to(root)}", file=sys.stderr)
        print("build: FAILED - see the notebook and cell named above "
              "(a cell that is meant to fail needs the tag raises-exception)", file=sys.stderr)
        return status
    if not publish:
        hide_solution_links(root / "_build" / "html")
    if not args.no_slides:
        status = subprocess.call([sys.executable, "-m", "qbi", "slides"], cwd=root)
        # PDF handouts of the lecture and exercise pages (needs Debian's chromium)
        handouts = subprocess.call([sys.executable, "-m", "qbi", "handouts", "--html",
                                    str(root / "_build" / "html")], cwd=root)
        status = status or handouts
    return status


NOISE = ("Kernel is running over TCP without encryption",)


def logged(argv: list[str]) -> int:
    """Run the build in a child process; every line goes to ``_build/logs/build.log``, and the
    console gets the same lines without the warning each kernel prints at start (hundreds)."""
    root = HERE.parent
    for i, arg in enumerate(argv):
        if arg == "--root" and i + 1 < len(argv):
            root = Path(argv[i + 1]).resolve()
        elif arg.startswith("--root="):
            root = Path(arg.split("=", 1)[1]).resolve()
    log_path = root / "_build" / "logs" / "build.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QBI_BUILD_CHILD="1", PYTHONUNBUFFERED="1")
    import threading

    hidden = [0]
    lock = threading.Lock()
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, __file__, *argv], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace")

        def pump(stream, console):
            for line in stream:
                with lock:
                    log.write(line)
                    if any(n in line for n in NOISE):
                        hidden[0] += 1
                        continue
                    console.write(line)
                    console.flush()

        threads = [threading.Thread(target=pump, args=(proc.stdout, sys.stdout)),
                   threading.Thread(target=pump, args=(proc.stderr, sys.stderr))]
        for t in threads:
            t.start()
        status = proc.wait()
        for t in threads:
            t.join()
    hidden = hidden[0]
    note = f"; {hidden} kernel start-up warnings left out" if hidden else ""
    print(f"build: the full log is {log_path.relative_to(root) if log_path.is_relative_to(root) else log_path}"
          f"{note}", flush=True)
    return status


if __name__ == "__main__":
    if os.environ.get("QBI_BUILD_CHILD") or "-h" in sys.argv or "--help" in sys.argv:
        sys.exit(main())
    sys.exit(logged(sys.argv[1:]))

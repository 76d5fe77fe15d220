"""Shared by the tests of :mod:`qbi.grading` (``tests/test_grading_*.py``): the test submissions
and one graded batch of them.

The submissions are built here from the solution and its generated exercise (so they follow the
notebooks when they change) and graded in one batch with the command line, two at a time, in a
throwaway copy of the course tree.  The batch is graded once per test session (and, under
pytest-xdist, once for all workers) and shared by the batch and sandbox tests.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from conftest import ROOT

from qbi import data, exercises

WEEK = "01"
SOLUTION = ROOT / "solutions" / "01-introduction-and-workflows.ipynb"
EXERCISE = ROOT / "exercises" / "01-introduction-and-workflows.ipynb"
TIMEOUT = 25  # seconds per submission in these tests (the endless loop waits this long)
GRADING = ROOT / "qbi" / "grading"  # the package under test


def _complete() -> nbformat.NotebookNode:
    """The exercise as a good student hands it in: every answer cell filled with the solution."""
    solution = {c.get("id"): c.source for c in nbformat.read(SOLUTION, as_version=4).cells}
    nb = nbformat.read(EXERCISE, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("id") in solution:
            cell.source = solution[cell["id"]]
    return nb


def _index(nb, startswith: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.source.startswith(startswith))


def _code(source: str):
    return nbformat.v4.new_code_cell(source)


TAMPER = r'''
import glob, os, pathlib, signal, subprocess
import qbi.grading as g
import qbi.grading.sandbox as guard

repo = pathlib.Path(g.__file__).resolve().parents[2]
tried = {}
def attempt(what, action):
    try:
        tried[what] = action()
    except Exception as err:
        tried[what] = type(err).__name__

attempt("read the hidden tests", lambda: (repo / "solutions" / "01-introduction-and-workflows.ipynb").read_text())
attempt("list the solutions", lambda: os.listdir(repo / "solutions"))
attempt("find the tests", lambda: glob.glob(str(repo / "**" / "*.ipynb"), recursive=True))
attempt("change the grader", lambda: open(guard.__file__, "a").write("\n# tampered\n"))
attempt("replace the grader", lambda: os.replace(guard.__file__, guard.__file__ + ".old"))
attempt("read the grader's memory", lambda: open(f"/proc/{os.getppid()}/cmdline").read())
attempt("kill the grader", lambda: os.kill(os.getppid(), signal.SIGKILL))
attempt("run a program", lambda: subprocess.run(["true"]))
# monkeypatching only changes this process: the tests run in the grader's own process
g.run_question = lambda *args, **kwargs: None
g.checks.run_question = lambda *args, **kwargs: None
print(tried)
'''


def _submissions(folder: Path) -> dict[str, str]:
    """Write the test submissions; returns {file name: what it is}."""
    made = {}

    def save(name, nb, what):
        nbformat.write(nb, folder / name)
        made[name] = what

    complete = _complete()
    save("complete.ipynb", complete, "every answer right")
    (folder / "solution.ipynb").write_bytes(SOLUTION.read_bytes())
    made["solution.ipynb"] = "the solution notebook itself"
    (folder / "blank.ipynb").write_bytes(EXERCISE.read_bytes())
    made["blank.ipynb"] = "the exercise as generated"
    (folder / "not-json.ipynb").write_text('{"cells": [ this is not json')
    made["not-json.ipynb"] = "invalid JSON"
    (folder / "not-a-notebook.ipynb").write_text('{"hello": "world"}')
    made["not-a-notebook.ipynb"] = "JSON, not a notebook"

    other = _complete()
    other.metadata["qbi"]["week"] = "02"
    other.metadata["qbi"]["slug"] = "ground-truth-and-datasets"
    save("other-week.ipynb", other, "the notebook of week 02")

    deleted = _complete()
    del deleted.cells[_index(deleted, "weights = np.array")]
    save("deleted-cells.ipynb", deleted, "the answer cell of q6 deleted")

    reordered = _complete()
    given = reordered.cells.pop(_index(reordered, 'wood = data.load("wood_radiograph")'))
    reordered.cells.insert(_index(reordered, "corrected = (image") + 1, given)
    save("reordered.ipynb", reordered, "q7's data cell moved after its answer")

    syntax = _complete()
    syntax.cells[_index(syntax, "camera_float = img_as_float")].source = "camera_float = img_as_float(camera"
    save("syntax-error.ipynb", syntax, "a syntax error in q3's answer")

    exception = _complete()
    exception.cells.insert(_index(exception, 'grader.check("q2")'), _code("raise RuntimeError('boom')"))
    save("exception.ipynb", exception, "a cell raising an exception")

    loop = _complete()
    loop.cells.insert(_index(loop, 'radiograph = data.load("wood_radiograph")'), _code("while True:\n    pass"))
    save("endless-loop.ipynb", loop, "an endless loop before q5")

    huge = _complete()
    huge.cells.insert(_index(huge, 'grader.check("q1")'),
                      _code("for _ in range(3000):\n    print('spam ' * 20_000)"))
    save("huge-output.ipynb", huge, "300 MB of output")

    tamper = nbformat.read(EXERCISE, as_version=4)  # blank, except q1, plus the tricks
    q1 = _index(tamper, "top_left = ...")
    tamper.cells[q1].source = _complete().cells[q1].source
    tamper.cells.insert(q1 + 1, _code(TAMPER))
    save("tamper.ipynb", tamper, "q1 right, then tries to read the tests and change the grader")

    crash = _complete()
    crash.cells.insert(_index(crash, "grader.check_all()"), _code("import os\nos._exit(3)"))
    save("crash.ipynb", crash, "every answer right, then os._exit")
    return made


def _tree_hash(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and its SHA-256 (Python's byte-code caches left out)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


WITNESS = "worker-ran-here.txt"


def course_copy(base: Path) -> Path:
    """A throwaway copy of the course tree (its ``qbi``, week 01's solution and exercise).

    The adversarial submissions are graded there, by the copy's own command line, so a guard that
    stops working damages the copy (and fails an assertion), never this checkout.  The copy's
    worker carries a witness: before its guard is on, it appends a line to a file that only this
    copy names, so the tests see whether the grading processes ran the code of the tree under test
    or some other installed ``qbi``."""
    tree = base / "course"
    shutil.copytree(ROOT / "qbi", tree / "qbi", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("solutions", "exercises"):
        (tree / folder).mkdir()
        shutil.copy(ROOT / folder / SOLUTION.name, tree / folder / SOLUTION.name)
    sandbox_py = tree / "qbi" / "grading" / "sandbox.py"
    head = "def _worker_main(spec_path: str) -> int:\n"
    source = sandbox_py.read_text()
    assert head in source
    witness = f"    open({str(tree / WITNESS)!r}, 'a').write('worker\\n')\n"
    sandbox_py.write_text(source.replace(head, head + witness, 1))
    return tree


def _grade_batch(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("submissions")
    made = _submissions(folder)
    before = _tree_hash(folder)
    tree = course_copy(tmp_path_factory.mktemp("tree"))
    checkout = _tree_hash(GRADING)
    copy_before = _tree_hash(tree / "qbi")
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    files = [str(folder / name) for name in made]
    env = dict(os.environ, QBI_DATA_DIR=str(data.data_dir()))
    env.pop("PYTHONPATH", None)
    run = subprocess.run([sys.executable, "-m", "qbi", "grade", "--week", WEEK, *files, "--out", str(out),
                          "--timeout", str(TIMEOUT), "--jobs", "2"],
                         cwd=tree, env=env, capture_output=True, text=True, timeout=20 * TIMEOUT)
    rows = {}
    if out.exists():
        with out.open(newline="") as fh:
            rows = {row["submission"]: row for row in csv.DictReader(fh)}
    witness = tree / WITNESS
    return {"status": run.returncode, "log": run.stdout[-4000:] + run.stderr[-4000:], "rows": rows,
            "out": str(out), "folder": str(folder), "made": made, "before": before,
            "after": _tree_hash(folder), "tree": str(tree), "copy_before": copy_before,
            "copy_after": _tree_hash(tree / "qbi"), "checkout_before": checkout,
            "checkout_after": _tree_hash(GRADING),
            "worker_runs": witness.read_text().count("worker") if witness.exists() else 0}


_GRADED: dict = {}  # this process's batch, shared by the test files of the grading package


def graded_batch(tmp_path_factory, request) -> dict:
    """Grade all the test submissions once, with the command line.

    Under pytest-xdist the grading test files may run in several workers: the first one grades,
    the others wait for it (a file lock) and read its results."""
    if "result" in _GRADED:
        return _GRADED["result"]
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if worker is None:
        result = _grade_batch(tmp_path_factory)
    else:
        import fcntl

        shared = tmp_path_factory.getbasetemp().parent
        with open(shared / "qbi-grading.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            cache = shared / "qbi-grading.json"
            if cache.exists():
                result = json.loads(cache.read_text())
            else:
                result = _grade_batch(tmp_path_factory)
                cache.write_text(json.dumps(result))
    result["out"], result["folder"] = Path(result["out"]), Path(result["folder"])
    assert result["rows"], f"the grader wrote no grades:\n{result['log']}"
    _GRADED["result"] = result
    return result


QUESTIONS = [q.name for q in exercises.parse(SOLUTION).questions]
MAX = sum(q.total for q in exercises.parse(SOLUTION).questions)


def _total(row) -> float:
    return float(row["total"])

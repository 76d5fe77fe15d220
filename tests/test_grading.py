"""Grading a class: full marks for the solution, bad submissions each get a clear row, the batch
goes on, and nothing next to the submissions changes.

The submissions are built here from the solution and its generated exercise (so they follow the
notebooks when they change) and graded in one batch with the command line, two at a time.
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
import numpy as np
import pytest

from conftest import ROOT

from qbi import data, exercises, grading

WEEK = "01"
SOLUTION = ROOT / "solutions" / "01-introduction-and-workflows.ipynb"
EXERCISE = ROOT / "exercises" / "01-introduction-and-workflows.ipynb"
TIMEOUT = 25  # seconds per submission in these tests (the endless loop waits this long)


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

repo = pathlib.Path(g.__file__).resolve().parents[1]
tried = {}
def attempt(what, action):
    try:
        tried[what] = action()
    except Exception as err:
        tried[what] = type(err).__name__

attempt("read the hidden tests", lambda: (repo / "solutions" / "01-introduction-and-workflows.ipynb").read_text())
attempt("list the solutions", lambda: os.listdir(repo / "solutions"))
attempt("find the tests", lambda: glob.glob(str(repo / "**" / "*.ipynb"), recursive=True))
attempt("change the grader", lambda: open(g.__file__, "a").write("\n# tampered\n"))
attempt("replace the grader", lambda: os.replace(g.__file__, g.__file__ + ".old"))
attempt("read the grader's memory", lambda: open(f"/proc/{os.getppid()}/cmdline").read())
attempt("kill the grader", lambda: os.kill(os.getppid(), signal.SIGKILL))
attempt("run a program", lambda: subprocess.run(["true"]))
# monkeypatching only changes this process: the tests run in the grader's own process
g.run_question = lambda *args, **kwargs: None
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
    grading_py = tree / "qbi" / "grading.py"
    head = "def _worker_main(spec_path: str) -> int:\n"
    source = grading_py.read_text()
    assert head in source
    witness = f"    open({str(tree / WITNESS)!r}, 'a').write('worker\\n')\n"
    grading_py.write_text(source.replace(head, head + witness, 1))
    return tree


def _grade_batch(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("submissions")
    made = _submissions(folder)
    before = _tree_hash(folder)
    tree = course_copy(tmp_path_factory.mktemp("tree"))
    checkout = hashlib.sha256((ROOT / "qbi" / "grading.py").read_bytes()).hexdigest()
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
            "checkout_after": hashlib.sha256((ROOT / "qbi" / "grading.py").read_bytes()).hexdigest(),
            "worker_runs": witness.read_text().count("worker") if witness.exists() else 0}


@pytest.fixture(scope="module")
def batch(tmp_path_factory, request):
    """Grade all the test submissions once, with the command line.

    Under pytest-xdist the tests of this file may run in several workers: the first one grades,
    the others wait for it (a file lock) and read its results."""
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
    return result


QUESTIONS = [q.name for q in exercises.parse(SOLUTION).questions]
MAX = sum(q.total for q in exercises.parse(SOLUTION).questions)


def _total(row) -> float:
    return float(row["total"])


def test_the_csv_has_one_row_per_submission_and_the_promised_columns(batch):
    with batch["out"].open(newline="") as fh:
        header = next(csv.reader(fh))
    assert header == ["student", "name", "email", "submission", *QUESTIONS, "total", "max_total", "message"]
    assert set(batch["rows"]) == set(batch["made"])
    for row in batch["rows"].values():
        assert float(row["max_total"]) == MAX
        assert abs(sum(float(row[q]) for q in QUESTIONS) - _total(row)) < 0.05


def test_every_solution_grades_to_full_marks(batch):
    for name in ("complete.ipynb", "solution.ipynb"):
        row = batch["rows"][name]
        assert _total(row) == MAX, row
    assert batch["rows"]["complete.ipynb"]["message"] == "graded"


def test_the_blank_exercise_grades_below_full_marks(batch):
    row = batch["rows"]["blank.ipynb"]
    assert _total(row) < MAX and _total(row) == 0
    assert row["message"].startswith("graded") and "not answered: q1" in row["message"]


@pytest.mark.parametrize("name, needle", [
    ("not-json.ipynb", "not valid JSON"),
    ("not-a-notebook.ipynb", "not a Jupyter notebook"),
    ("other-week.ipynb", "week 02"),
])
def test_unreadable_or_foreign_notebooks_are_not_graded(batch, name, needle):
    row = batch["rows"][name]
    assert row["message"].startswith("NOT GRADED") and needle in row["message"], row
    assert _total(row) == 0


def test_a_missing_cell_costs_only_its_question(batch):
    row = batch["rows"]["deleted-cells.ipynb"]
    assert float(row["q6"]) == 0 and _total(row) == MAX - 3, row
    assert "missing answers: q6" in row["message"] and "weights" in row["message"]


def test_reordered_cells_cost_the_questions_they_break(batch):
    row = batch["rows"]["reordered.ipynb"]
    assert float(row["q7"]) == 0 and _total(row) == MAX - 3, row
    assert "raised NameError" in row["message"] and "image" in row["message"]


def test_a_syntax_error_costs_its_cell(batch):
    row = batch["rows"]["syntax-error.ipynb"]
    assert float(row["q3"]) == 0 and _total(row) == MAX - 3, row
    assert "raised SyntaxError" in row["message"]


def test_an_exception_does_not_stop_the_notebook(batch):
    row = batch["rows"]["exception.ipynb"]
    assert _total(row) == MAX, row
    assert "raised RuntimeError: boom" in row["message"]


def test_an_endless_loop_hits_the_time_limit_and_keeps_earlier_answers(batch):
    row = batch["rows"]["endless-loop.ipynb"]
    assert [float(row[q]) for q in QUESTIONS[:4]] == [3, 3, 3, 3], row
    assert all(float(row[q]) == 0 for q in QUESTIONS[4:]), row
    assert f"time limit of {TIMEOUT} s reached" in row["message"] and "while True" in row["message"]


def test_huge_output_is_cut_and_grading_goes_on(batch):
    row = batch["rows"]["huge-output.ipynb"]
    assert _total(row) == MAX, row
    assert "was cut" in row["message"]
    feedback = batch["out"].with_suffix("") / "huge-output.feedback.txt"
    assert feedback.stat().st_size < 20_000


def test_tampering_gains_nothing_and_is_reported(batch):
    row = batch["rows"]["tamper.ipynb"]
    assert _total(row) == 3 and float(row["q1"]) == 3, row  # q1 only, as answered
    assert "blocked:" in row["message"]
    feedback = (batch["out"].with_suffix("") / "tamper.feedback.txt").read_text()
    for what in ("reading", "solutions", "grading.py", "signal", "starting a program"):
        assert what in feedback, what
    # the tree under test is unchanged (the submission tried to rewrite and rename its grading.py)
    assert batch["copy_after"] == batch["copy_before"], "a submission changed the grader's code"
    assert batch["checkout_after"] == batch["checkout_before"]      # and this checkout's grader too
    assert not (ROOT / "qbi" / "grading.py.old").exists()


def test_the_workers_run_the_qbi_of_the_tree_under_test(batch):
    """Every submission that was run, ran in a worker importing the copy's qbi (its witness)."""
    ran = [name for name, row in batch["rows"].items() if not row["message"].startswith("NOT GRADED")]
    assert batch["worker_runs"] >= len(ran) > 0, (
        f"{batch['worker_runs']} workers ran the copy's qbi for {len(ran)} graded submissions: "
        "the grading worker imports another qbi than the tree it grades for")


def test_a_worker_with_another_qbi_refuses_to_grade(tmp_path):
    """The worker checks that it imported the grader's qbi; a mismatch is reported, not graded."""
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    (sandbox / "spec.json").write_text(json.dumps({"sandbox": str(sandbox), "names": [],
                                                   "qbi_root": str(tmp_path / "elsewhere")}))
    run = subprocess.run([sys.executable, "-I", "-B", "-c", grading._BOOT, str(sandbox / "spec.json"),
                          str(ROOT)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    report = json.loads((sandbox / "report.json").read_text())
    assert "not from the course tree" in report["errors"][0]["message"]


def test_a_notebook_that_kills_its_process_keeps_the_answers_saved_before(batch):
    row = batch["rows"]["crash.ipynb"]
    assert _total(row) == MAX, row
    assert "ended the grading process" in row["message"] and "os._exit" in row["message"]


def test_feedback_file_per_submission_next_to_the_csv(batch):
    folder = batch["out"].with_suffix("")
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == sorted(
        f"{Path(n).stem}.feedback.txt" for n in batch["made"])
    # the students' version: the same files, hidden tests named but without their reference values
    students = folder / "for-students"
    assert sorted(p.name for p in students.iterdir()) == sorted(p.name for p in folder.glob("*.txt"))
    for p in students.iterdir():
        lines = p.read_text().splitlines()
        for i, line in enumerate(lines):
            if "FAILED [hidden]" in line:
                assert "a hidden test checks the exact result" in lines[i + 1], (p.name, lines[i + 1])
    text = (folder / "complete.feedback.txt").read_text()
    assert f"Score: {MAX:g} / {MAX:g}" in text and "[hidden]" in text and "[public]" in text
    blank = (folder / "blank.feedback.txt").read_text()
    assert "not answered yet" in blank


def test_the_exit_status_says_not_everything_was_graded(batch):
    assert batch["status"] == 1


def test_submissions_are_unchanged_and_nothing_is_written_next_to_them(batch):
    assert batch["after"] == batch["before"]


def test_a_process_that_ignores_the_time_limit_is_killed(tmp_path):
    nb = _complete()
    stubborn = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"
    nb.cells.insert(_index(nb, 'grader.check("q1")') + 1, _code(stubborn))
    nbformat.write(nb, tmp_path / "stubborn.ipynb")
    out = tmp_path / "grades" / "grades.csv"
    status = grading.main(["--week", WEEK, str(tmp_path / "stubborn.ipynb"), "--out", str(out), "--timeout", "8"])
    with out.open(newline="") as fh:
        (row,) = csv.DictReader(fh)
    assert status == 0  # graded, with what it earned before it hung
    assert float(row["q1"]) == 3 and _total(row) == 3, row
    assert "was killed in cell" in row["message"]


# -- plain values: what travels from a submission to the grader -------------------------------
def test_answers_travel_as_plain_data():
    values = {"a": np.arange(6, dtype=np.uint16).reshape(2, 3), "b": np.float32(1.5), "c": [1, (2.5, "x")],
              "d": {"k": {3, 4}}, "e": np.uint8, "f": ..., "g": [1, ...], "h": lambda x: x}
    plain = grading.answer_values(values, list(values) + ["missing"])
    arrays: dict = {}
    decoded = {k: grading._decode(json.loads(json.dumps(grading._encode(v, arrays))), arrays)
               for k, v in plain.items()}
    assert decoded["a"].dtype == np.uint16 and not decoded["a"].flags.writeable
    assert decoded["b"] == 1.5 and type(decoded["b"]) is float
    assert decoded["c"] == [1, (2.5, "x")] and decoded["d"] == {"k": {3, 4}}
    assert decoded["e"] == np.dtype(np.uint8)
    assert decoded["f"] is grading.NOT_ANSWERED and decoded["g"] is grading.NOT_ANSWERED
    assert isinstance(decoded["h"], grading.Unsupported) and "function" in str(decoded["h"])
    assert decoded["missing"] is grading.MISSING


@pytest.mark.parametrize("forged", [["pickle", "x"], ["array", "nope"], ["int", 5], "just text",
                                    ["dtype", "O"], ["list", [["code", "import os"]]]])
def test_forged_answers_are_rejected(forged):
    with pytest.raises((ValueError, KeyError)):
        grading._decode(forged, {"a0": np.zeros(2, dtype=object)})


def test_grading_from_an_empty_data_cache_gives_full_marks(tmp_path, monkeypatch):
    """A fresh clone has no generated data yet: the grader prepares it before any submission runs
    (the sandboxed submissions may not write it themselves)."""
    empty = tmp_path / "data"
    empty.mkdir()
    monkeypatch.setenv("QBI_DATA_DIR", str(empty))
    out = tmp_path / "grades" / "grades.csv"
    assert grading.main(["--week", WEEK, str(SOLUTION), "--out", str(out), "--timeout", "60"]) == 0
    with out.open(newline="") as fh:
        (row,) = csv.DictReader(fh)
    assert _total(row) == MAX, row
    assert (empty / "wood_radiograph.npz").exists()


# -- a real class: LMS folder layouts, a roster, the imports and the report ----------------------
def _lms_class(base: Path) -> tuple[Path, Path]:
    """Submissions laid out as Moodle and Canvas deliver them, and a roster with a missing student."""
    downloads = base / "downloads"
    complete, blank = _complete(), nbformat.read(EXERCISE, as_version=4)
    for folder, nb in [("Ada Lovelace_101_assignsubmission_file_", complete),
                       ("Alan Turing_102_assignsubmission_file_", blank)]:
        (downloads / "moodle" / folder).mkdir(parents=True)
        nbformat.write(nb, downloads / "moodle" / folder / EXERCISE.name)
    (downloads / "canvas").mkdir()
    nbformat.write(complete, downloads / "canvas" / f"hopperg_203_9001_{EXERCISE.name}")
    checkpoint = downloads / "moodle" / "Ada Lovelace_101_assignsubmission_file_" / ".ipynb_checkpoints"
    checkpoint.mkdir()
    nbformat.write(blank, checkpoint / EXERCISE.name)            # never graded
    roster = base / "roster.csv"
    roster.write_text("id,name,email\n101,Ada Lovelace,ada@example.org\n102,Alan Turing,alan@example.org\n"
                      "203,Grace Hopper,grace@example.org\n104,Emmy Noether,emmy@example.org\n")
    return downloads, roster


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    base = tmp_path_factory.mktemp("lms")
    downloads, roster = _lms_class(base)
    before = _tree_hash(downloads)
    out = base / "out" / "grades.csv"
    status = grading.main(["--week", WEEK, str(downloads), "--roster", str(roster), "--out", str(out),
                           "--timeout", "60", "--jobs", "2"])
    with out.open(newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return {"status": status, "rows": rows, "out": out, "before": before, "after": _tree_hash(downloads)}


def test_lms_folders_are_searched_and_every_student_is_named(lms):
    rows = lms["rows"]
    assert set(rows) == {"101", "102", "203", "104"}, rows.keys()
    assert _total(rows["101"]) == MAX and _total(rows["203"]) == MAX and _total(rows["102"]) == 0
    assert rows["101"]["name"] == "Ada Lovelace" and rows["101"]["email"] == "ada@example.org"
    assert rows["203"]["submission"].startswith("canvas/hopperg_203_9001_")
    assert rows["104"]["message"] == "no submission" and _total(rows["104"]) == 0
    assert lms["after"] == lms["before"], "the downloaded submissions were changed"


def test_lms_import_files_and_class_report(lms):
    out = lms["out"]
    with out.with_name("grades-moodle.csv").open(newline="") as fh:
        moodle = {r["Identifier"]: r for r in csv.DictReader(fh)}
    assert float(moodle["Participant 101"]["Grade"]) == MAX
    assert float(moodle["Participant 104"]["Grade"]) == 0
    assert float(moodle["Participant 101"]["Maximum Grade"]) == MAX
    with out.with_name("grades-canvas.csv").open(newline="") as fh:
        canvas = list(csv.DictReader(fh))
    assert canvas[0]["Student"].strip() == "Points Possible"
    assert {r["ID"]: float(r[f"Exercise {WEEK}"]) for r in canvas[1:]} == {
        "101": MAX, "102": 0, "203": MAX, "104": 0}
    report = out.with_name("grades-report.html").read_text()
    assert report.count("<img") == 3 and 'alt="' in report
    assert "Emmy Noether" in report or "104" in report      # the missing student is listed
    for q in QUESTIONS:
        assert f"<td>{q}</td>" in report


def test_two_files_with_one_name_get_two_identifiers(tmp_path):
    from qbi import gradebook

    paths = [tmp_path / "a" / "ex.ipynb", tmp_path / "b" / "ex.ipynb", tmp_path / "ex2.ipynb"]
    ids = [s.id for s in gradebook.identify(paths)]
    assert len(set(ids)) == 3 and ids[2] == "ex2", ids

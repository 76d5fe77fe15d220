"""The batch grader (:mod:`qbi.grading.batch`): full marks for the solution, bad submissions each
get a clear row, the batch goes on, nothing next to the submissions changes, and a class as the LMS
delivers it gets its CSV, feedback files, LMS imports and report.

The sandboxed run of each submission (time limits, refusals, crashes) is tested in
``test_grading_sandbox.py`` on the same graded batch (``grading_cases.py``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading_cases import EXERCISE, MAX, QUESTIONS, SOLUTION, WEEK, _complete, _total, _tree_hash, graded_batch

from qbi import grading
from qbi.grading import batch as batch_module

from conftest import CODE

# slow (a class graded, time limits waited out): re-run only when their inputs change
pytestmark = pytest.mark.cached_by(*CODE, "solutions/*.ipynb", "exercises/*.ipynb",
                                   "tests/grading_cases.py", "tests/alternatives/*.py")


@pytest.fixture(scope="module")
def batch(tmp_path_factory, request):
    """All the test submissions, graded once with the command line (see grading_cases.py)."""
    return graded_batch(tmp_path_factory, request)


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


# -- direct unit tests of the batch module (no submission is run) --------------------------------
@pytest.mark.parametrize("content, reason", [
    (b"\xff\xfe not text", "not text (UTF-8)"),
    (b'{"cells": [ oops', "not valid JSON"),
    (b'["a", "list"]', "no list of cells"),
    (b'{"cells": [{"cell_type": "code", "source": 42}]}', "a cell is malformed"),
])
def test_reading_a_notebook_says_why_it_is_not_one(tmp_path, content, reason):
    path = tmp_path / "sub.ipynb"
    path.write_bytes(content)
    nb, problem = batch_module._read_notebook(path)
    assert nb is None and reason in problem, problem
    nb, problem = batch_module._read_notebook(EXERCISE)
    assert problem == "" and isinstance(nb["cells"], list)


def test_the_workers_report_is_cleaned_before_it_is_used():
    """The report comes from the sandboxed process: only the expected fields, as short strings."""
    raw = {"errors": [{"cell": 3, "line": "x" * 500, "type": "ValueError", "message": "m" * 1000,
                       "extra": "dropped"}, "not a dict"] + [{"cell": i} for i in range(100)],
           "blocked": ["b" * 500] * 50, "timed_out": {"cell": 7, "line": "while True:"},
           "stopped": "not a dict", "output_truncated": "yes", "points": 1000}
    report = batch_module._clean_report(raw)
    assert set(report) == {"errors", "blocked", "timed_out", "stopped", "output_truncated"}
    assert len(report["errors"]) == 49 and len(report["blocked"]) == 20          # capped
    assert len(report["errors"][0]["line"]) <= 80 and len(report["errors"][0]["message"]) <= 300
    assert "extra" not in report["errors"][0] and report["timed_out"] == {"cell": "7", "line": "while True:"}
    assert report["stopped"] is None and report["output_truncated"] is False


def test_answers_are_read_back_strictly_from_the_sandbox(tmp_path):
    """A forged answer file counts as an answer that could not be read, never as code."""
    (tmp_path / "report.json").write_text(json.dumps({"errors": []}))
    (tmp_path / "v-x.json").write_text(json.dumps(["pickle", "payload"]))
    (tmp_path / "v-y.json").write_text(json.dumps(["float", "2.5"]))
    for name in ("x", "y"):
        np.savez(tmp_path / f"v-{name}.npz")
    report, values = batch_module._collect(tmp_path, ["x", "y", "z"])
    assert report["errors"] == []
    assert isinstance(values["x"], grading.Unsupported) and values["y"] == 2.5 and "z" not in values


def test_one_failing_file_gets_its_row_and_the_batch_goes_on(tmp_path, monkeypatch):
    """If the grader itself fails on one file, that file is NOT GRADED and the others are graded."""
    grader = grading.Grader(WEEK)
    monkeypatch.setattr(grader, "prepare", lambda: None)
    calls = []

    def grade_file(path, batch, protect, no_listing):
        calls.append(path.name)
        if path.name == "bad.ipynb":
            raise RuntimeError("disk on fire")
        return grading.Row(path.name, {}, 1.0, 1.0, "graded", True)

    monkeypatch.setattr(grader, "grade_file", grade_file)
    paths = [tmp_path / n for n in ("a.ipynb", "bad.ipynb", "c.ipynb")]
    rows = grader.grade(paths, jobs=2)
    assert [r.submission for r in rows] == ["a.ipynb", "bad.ipynb", "c.ipynb"] and sorted(calls) == sorted(
        p.name for p in paths)
    assert rows[0].graded and rows[2].graded and not rows[1].graded
    assert "NOT GRADED" in rows[1].message and "disk on fire" in rows[1].message


def test_write_results_names_files_by_submission_without_a_roster(tmp_path):
    rows = [grading.Row("a.ipynb", {"q1": 1.0}, 1.0, 2.0, "graded", True, "fb a\n"),
            grading.Row("b c.ipynb", {"q1": 0.0}, 0.0, 2.0, "NOT GRADED: x", False, "fb b\n")]
    folder = grading.write_results(rows, ["q1"], tmp_path / "out" / "grades.csv")
    with (tmp_path / "out" / "grades.csv").open(newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["student"] for r in table] == ["a", "b c"] and [r["total"] for r in table] == ["1", "0"]
    assert (folder / "a.feedback.txt").read_text() == "fb a\n"
    assert (folder / "b_c.feedback.txt").exists() and (folder / "for-students" / "a.feedback.txt").exists()


def test_with_or_without_the_fork_server_the_grades_are_the_same(tmp_path):
    """Each submission in a process of its own (``Options(fork_server=False)``, and where the fork
    server cannot start) grades exactly as with the fork server."""
    nbformat.write(_complete(), tmp_path / "complete.ipynb")
    paths = [tmp_path / "complete.ipynb", EXERCISE]
    rows = {}
    for fork in (True, False):
        grader = grading.Grader(WEEK, options=grading.Options(timeout=60, fork_server=fork))
        rows[fork] = [(r.submission, r.scores, r.total, r.message, r.feedback) for r in grader.grade(paths)]
        assert grader.server is None  # closed after the batch
    assert rows[True] == rows[False]
    assert rows[True][0][2] == MAX and rows[True][1][2] == 0

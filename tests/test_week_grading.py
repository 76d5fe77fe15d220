"""Every week's exercise grades as promised, with our grader and with otter-grader.

For every ``solutions/NN-slug.ipynb``:

* ``python -m qbi grade`` gives the solution full marks, and the generated blank exercise less;
* ``otter assign`` accepts the solution, and ``otter run`` gives otter's solution and student
  notebooks the same per-question scores as ``qbi grade`` gives ours;
* every alternative correct answer in ``tests/alternatives/NN-slug.py`` (another valid method,
  convention or library) gets full marks for its question: tests grade outcomes, not one recipe.

Format of ``tests/alternatives/NN-slug.py``::

    ALTERNATIVES = {"q3": ["<code>", ...], ...}

Each code string replaces the question's worked answer in a completed copy of the exercise: the
first answer cell gets the code, the question's other answer cells are emptied, so the code must
define every answer of the question.

Grading runs every notebook, so it is slow (about a minute a week). The results are cached in
``_build/test-cache/grading/`` under a hash of everything they depend on (the solution, the
exercise, the alternatives, the ``qbi`` package, the pinned requirements): an unchanged week is
not graded again.  The assertions always run, on fresh or cached results.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import ROOT

from qbi import exercises

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))
IDS = [p.stem for p in SOLUTIONS]
ALTERNATIVES = ROOT / "tests" / "alternatives"
CACHE = ROOT / "_build" / "test-cache" / "grading"
PY = Path(sys.executable)
OTTER = PY.parent / "otter"
TIMEOUT = 120  # seconds per submission


def _source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def answer_cells(solution: Path) -> dict[str, list[str]]:
    """The ids of each question's answer cells (code cells between BEGIN/END SOLUTION)."""
    nb = nbformat.read(solution, as_version=4)
    cells: dict[str, list[str]] = {}
    question, inside = None, False
    for cell in nb.cells:
        text = _source(cell).strip()
        if cell.cell_type == "raw":
            if text.startswith("# BEGIN QUESTION"):
                question = yaml.safe_load(text.split("\n", 1)[1])["name"]
                cells[question] = []
            elif text.startswith("# END QUESTION"):
                question = None
            elif text.startswith("# BEGIN SOLUTION"):
                inside = True
            elif text.startswith("# END SOLUTION"):
                inside = False
        elif cell.cell_type == "code" and inside and question:
            cells[question].append(cell.get("id"))
    return cells


def completed(solution: Path, exercise: Path):
    """The exercise as a good student hands it in: every answer cell holds the worked answer."""
    answers = {c.get("id"): _source(c) for c in nbformat.read(solution, as_version=4).cells}
    nb = nbformat.read(exercise, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("id") in answers:
            cell.source = answers[cell["id"]]
    return nb


def alternatives(stem: str) -> dict[str, list[str]]:
    path = ALTERNATIVES / f"{stem}.py"
    return runpy.run_path(str(path))["ALTERNATIVES"] if path.exists() else {}


def _key(solution: Path) -> str:
    exercise = ROOT / "exercises" / solution.name
    parts = [solution, exercise, ALTERNATIVES / f"{solution.stem}.py", ROOT / "requirements.txt",
             *sorted(p for p in (ROOT / "qbi").rglob("*.py") if "__pycache__" not in p.parts)]
    h = hashlib.sha256()
    for p in parts:
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()


def _qbi_grade(week: str, files: list[Path], out: Path) -> dict[str, dict]:
    run = subprocess.run([str(PY), "-m", "qbi", "grade", "--week", week, *map(str, files),
                          "--out", str(out), "--timeout", str(TIMEOUT), "--jobs", "1"],
                         capture_output=True, text=True, timeout=TIMEOUT * (len(files) + 2), cwd=ROOT)
    if not out.exists():
        raise AssertionError(f"qbi grade wrote no CSV:\n{run.stdout}\n{run.stderr}")
    with out.open(newline="") as fh:
        return {row["submission"]: row for row in csv.DictReader(fh)}


def _otter(solution: Path, work: Path) -> dict[str, dict[str, float]]:
    """``otter assign`` the solution, then ``otter run`` its solution and student notebooks."""
    work.mkdir(parents=True, exist_ok=True)
    master = work / solution.name
    shutil.copy(solution, master)
    assign = subprocess.run([str(OTTER), "assign", master.name, "dist"], cwd=work,
                            capture_output=True, text=True, timeout=300)
    if assign.returncode:
        raise AssertionError(f"otter assign failed:\n{assign.stdout}\n{assign.stderr}")
    zips = list((work / "dist" / "autograder").glob("*.zip"))
    scores = {}
    for which, nb in [("solution", work / "dist" / "autograder" / solution.name),
                      ("blank", work / "dist" / "student" / solution.name)]:
        out = work / f"otter-{which}"
        out.mkdir()
        run = subprocess.run([str(OTTER), "run", "-a", str(zips[0]), "-o", str(out), str(nb)],
                             cwd=work, capture_output=True, text=True, timeout=600)
        results = out / "results.json"
        if not results.exists():
            raise AssertionError(f"otter run wrote no results for the {which}:\n{run.stdout[-3000:]}\n"
                                 f"{run.stderr[-3000:]}")
        tests = json.loads(results.read_text())["tests"]
        scores[which] = {t["name"]: float(t["score"]) for t in tests if "score" in t}
    return scores


def grade_week(solution: Path) -> dict:
    """Grade one week (or read its cached result); returns plain data for the assertions."""
    key = _key(solution)
    cached = CACHE / f"{solution.stem}.json"
    if cached.exists() and os.environ.get("QBI_TEST_CACHE", "1") != "0":
        result = json.loads(cached.read_text())
        if result.get("key") == key:
            return result
    week = solution.name[:2]
    exercise = ROOT / "exercises" / solution.name
    assignment = exercises.parse(solution)
    points = {q.name: q.total for q in assignment.questions}
    alts = alternatives(solution.stem)
    cells = answer_cells(solution)
    with tempfile.TemporaryDirectory(prefix=f"qbi-grading-{week}-") as tmp:
        tmp = Path(tmp)
        subs = tmp / "submissions"
        subs.mkdir()
        shutil.copy(solution, subs / "solution.ipynb")
        shutil.copy(exercise, subs / "blank.ipynb")
        base = completed(solution, exercise)
        nbformat.write(base, subs / "complete.ipynb")
        made = {}
        for q, codes in alts.items():
            for i, code in enumerate(codes):
                nb = nbformat.from_dict(json.loads(json.dumps(base)))
                ids = cells.get(q, [])
                for cell in nb.cells:
                    if cell.get("id") in ids:
                        cell.source = code if cell["id"] == ids[0] else ""
                name = f"alt-{q}-{i}.ipynb"
                nbformat.write(nb, subs / name)
                made[name] = q
        rows = _qbi_grade(week, sorted(subs.glob("*.ipynb")), tmp / "grades.csv")
        otter = _otter(solution, tmp / "otter") if OTTER.exists() else None
    result = {"key": key, "points": points, "rows": rows, "alternatives": made, "otter": otter,
              "answer_cells": cells}
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(result, indent=1))
    return result


@pytest.fixture(scope="module")
def graded() -> dict[str, dict]:
    """Every week graded, two weeks at a time (each grading runs one notebook at a time)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(IDS, pool.map(grade_week, SOLUTIONS)))


def _scores(row: dict, points: dict) -> dict[str, float]:
    return {q: float(row[q]) for q in points}


@pytest.mark.parametrize("stem", IDS)
def test_solution_gets_full_marks_and_the_blank_exercise_does_not(graded, stem):
    result = graded[stem]
    full = sum(result["points"].values())
    for name in ("solution.ipynb", "complete.ipynb"):
        row = result["rows"][name]
        assert float(row["total"]) == full, f"{stem}: {name} scores {row['total']} of {full}: {row['message']}"
    blank = result["rows"]["blank.ipynb"]
    assert float(blank["total"]) < full, f"{stem}: the blank exercise scores full marks"


@pytest.mark.parametrize("stem", IDS)
def test_every_question_has_answer_cells(graded, stem):
    result = graded[stem]
    empty = [q for q in result["points"] if not result["answer_cells"].get(q)]
    assert not empty, f"{stem}: questions without a worked answer between BEGIN/END SOLUTION: {empty}"


@pytest.mark.parametrize("stem", IDS)
def test_otter_grades_like_qbi(graded, stem):
    result = graded[stem]
    if result["otter"] is None:
        pytest.skip("otter-grader is not installed")
    points = result["points"]
    ours = {"solution": _scores(result["rows"]["solution.ipynb"], points),
            "blank": _scores(result["rows"]["blank.ipynb"], points)}
    for which in ("solution", "blank"):
        theirs = {q: result["otter"][which].get(q) for q in points}
        assert theirs == ours[which], (f"{stem}: otter run gives the {which} {theirs}, "
                                       f"qbi grade gives {ours[which]}")


@pytest.mark.parametrize("stem", IDS)
def test_alternative_correct_answers_get_full_marks(graded, stem):
    result = graded[stem]
    alts = result["alternatives"]
    assert len(set(alts.values())) >= 3, (
        f"{stem}: tests/alternatives/{stem}.py should give another correct answer for at least "
        f"3 questions (found {sorted(set(alts.values()))})")
    failed = []
    for name, q in alts.items():
        row = result["rows"][name]
        got, want = float(row[q]), result["points"][q]
        if got != want:
            failed.append(f"{name}: {q} scored {got} of {want} ({row['message']})")
    assert not failed, f"{stem}: alternative correct answers lose points:\n" + "\n".join(failed)


def test_answer_cells_are_found_in_the_assign_format(tmp_path):
    """The parser of this file finds each question's answer cells, and only those."""
    nb = nbformat.v4.new_notebook()
    raw, code = nbformat.v4.new_raw_cell, nbformat.v4.new_code_cell
    nb.cells = [raw("# BEGIN QUESTION\nname: q1\npoints: 1"), code("given = 1"),
                raw("# BEGIN SOLUTION"), code("x = 2  # SOLUTION"), raw("# END SOLUTION"),
                code("print(x)"), raw("# BEGIN SOLUTION"), code("y = 3  # SOLUTION"),
                raw("# END SOLUTION"), raw("# BEGIN TESTS"), code("assert x == 2"), raw("# END TESTS"),
                raw("# END QUESTION")]
    path = tmp_path / "99-demo.ipynb"
    nbformat.write(nb, path)
    ids = {c.source: c.id for c in nb.cells}
    assert answer_cells(path) == {"q1": [ids["x = 2  # SOLUTION"], ids["y = 3  # SOLUTION"]]}

"""Exercises generated from the solutions: up to date, deterministic, no leaks, students' work kept.

Also the student's side of the checks (plain words, "not answered yet") and agreement with
otter-grader's own reading of the assign format.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import CODE, ROOT

from qbi import exercises, grading

SOLUTIONS = exercises.solutions(ROOT)
IDS = [p.name for p in SOLUTIONS]


def _sources(nb) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]


def _copy_course(tmp_path: Path) -> Path:
    """A minimal course tree (solutions/ only) to run the generator on."""
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    (tmp_path / "exercises").mkdir()
    return tmp_path


def test_there_is_a_solution_for_week_one():
    assert any(p.name.startswith("01-") for p in SOLUTIONS)


def test_committed_exercises_are_up_to_date(capsys):
    """What `make test` runs: a hand-edited or stale exercise fails, naming the file."""
    status = exercises.main(["--check"])
    assert status == 0, capsys.readouterr().err


@pytest.mark.cached_by(*CODE, "solutions/*.ipynb")
@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_generation_is_deterministic(solution):
    first = exercises.render(exercises.parse(solution).exercise)
    code = ("import sys; from pathlib import Path; from qbi import exercises; "
            "sys.stdout.write(exercises.render(exercises.parse(Path(sys.argv[1])).exercise))")
    fresh = subprocess.run([sys.executable, "-c", code, str(solution)], capture_output=True, text=True,
                           check=True, env={**__import__("os").environ, "PYTHONHASHSEED": "random"},
                           cwd=ROOT).stdout
    assert first == fresh, "another Python process (other hash seed) renders another exercise"
    assert "outputs" not in first or '"outputs": []' in first  # committed without outputs


def test_check_names_a_drifted_exercise_and_regeneration_is_byte_identical(tmp_path, capsys):
    root = _copy_course(tmp_path)
    assert exercises.main(["--root", str(root)]) == 0
    target = root / "exercises" / "01-introduction-and-workflows.ipynb"
    before = target.read_bytes()
    assert exercises.main(["--root", str(root)]) == 0  # nothing to do: unchanged
    assert target.read_bytes() == before
    assert "0 written" in capsys.readouterr().out
    assert exercises.main(["--root", str(root), "--check"]) == 0
    target.write_text(target.read_text().replace("Question 1", "Question one"))
    assert exercises.main(["--root", str(root), "--check"]) == 1
    err = capsys.readouterr().err
    assert "exercises/01-introduction-and-workflows.ipynb" in err and "differs" in err
    target.unlink()
    assert exercises.main(["--root", str(root), "--check"]) == 1
    assert "is missing" in capsys.readouterr().err


def test_regenerating_keeps_a_students_work_unless_forced(tmp_path, capsys):
    root = _copy_course(tmp_path)
    assert exercises.main(["--root", str(root)]) == 0
    target = root / "exercises" / "01-introduction-and-workflows.ipynb"
    # a student answers a question in their clone ...
    nb = nbformat.read(target, as_version=4)
    answer = next(c for c in nb.cells if c.source.startswith("top_left = ..."))
    answer.source = answer.source.replace("top_left = ...", "top_left = camera[:256, :256]")
    nbformat.write(nb, target)
    students = target.read_bytes()
    # ... and then the teacher changes the solution
    sol = root / "solutions" / "01-introduction-and-workflows.ipynb"
    sol.write_text(sol.read_text().replace("an image is an array", "an image is a numpy array"))
    assert exercises.main(["--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "refusing to overwrite exercises/01-introduction-and-workflows.ipynb" in err
    assert "differ from what the generator wrote" in err and "--force" in err
    assert target.read_bytes() == students  # untouched
    assert not (root / "backups").exists()
    # --force: a backup first, then the new exercise
    assert exercises.main(["--root", str(root), "--force"]) == 0
    backups = list((root / exercises.BACKUPS).glob("01-introduction-and-workflows-*.ipynb"))
    assert len(backups) == 1 and backups[0].read_bytes() == students
    assert "backup kept at backups/exercises/" in capsys.readouterr().out
    assert "an image is a numpy array" in target.read_text()
    assert exercises.main(["--root", str(root), "--check"]) == 0


def test_outputs_alone_are_not_edits(tmp_path):
    """A student who only ran the notebook has nothing to lose: it is regenerated silently."""
    root = _copy_course(tmp_path)
    exercises.main(["--root", str(root)])
    target = root / "exercises" / "01-introduction-and-workflows.ipynb"
    nb = nbformat.read(target, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    nbformat.write(nb, target)
    assert exercises.edited(target) is None
    assert exercises.main(["--root", str(root)]) == 0
    assert exercises.main(["--root", str(root), "--check"]) == 0


def _split_solution_cell(source: str) -> tuple[list[str], list[str]]:
    """(secret lines, lines a student may see) of one answer cell, read here from the markers
    themselves: an oracle independent of the generator's ``strip_solutions``."""
    secret, shown = [], []
    inside = prompt = False
    for raw in source.split("\n"):
        line = raw.strip()
        if line.startswith('"""') and line.endswith("# BEGIN PROMPT"):
            prompt = True
            continue
        if line.startswith('"""') and line.endswith("# END PROMPT"):
            prompt = False
            continue
        if line.startswith("# BEGIN SOLUTION"):
            inside = True
            continue
        if line.startswith("# END SOLUTION"):
            inside = False
            continue
        if prompt:
            shown.append(line)
        elif inside:
            secret.append(line)
        elif line.endswith("# SOLUTION") or line.endswith("# SOLUTION NO PROMPT"):
            code = line.rsplit("#", 1)[0].strip()
            secret.append(code)
            if "=" in code and not code.startswith(("if ", "for ", "while ")):
                shown.append(code.split("=", 1)[0].strip() + " = ...")
        else:
            shown.append(line)
    return [x for x in secret if x], shown


def test_the_oracle_reads_the_markers():
    source = ('x = 1\nanswer = compute(x)  # SOLUTION\nhelper = 2  # SOLUTION NO PROMPT\n'
              '""" # BEGIN PROMPT\ndef f():\n    return ...\n""" # END PROMPT\n'
              '# BEGIN SOLUTION NO PROMPT\ndef f():\n    return secret_formula(3)\n# END SOLUTION\nprint(f())')
    secret, shown = _split_solution_cell(source)
    assert secret == ["answer = compute(x)", "helper = 2", "def f():", "return secret_formula(3)"]
    assert "x = 1" in shown and "return ..." in shown and "print(f())" in shown


def _leak_lines(solution: Path) -> list[str]:
    """Every solution line and hidden-test line that is not also legitimately in the exercise."""
    nb = nbformat.read(solution, as_version=4)
    allowed, secret = set(), set()
    block = None
    for cell in nb.cells:
        src = cell.source
        first = src.split("\n", 1)[0].strip().lower()
        if cell.cell_type == "raw" and re.match(r"#\s+(begin|end)\s+(solution|tests)", first):
            block = None if first.split()[1] == "end" else first.split()[2]
            continue
        lines = [line.strip() for line in src.split("\n") if line.strip()]
        if block == "solution" and cell.cell_type == "code":
            hidden, shown = _split_solution_cell(src)
            for line in hidden:
                secret.add(line)
                target, eq, value = line.partition(" = ")
                if eq and len(value.strip()) >= 10 and not any(value.strip() in x for x in shown):
                    secret.add(value.strip())  # the answer's expression, wherever it would appear
            allowed.update(shown)
        elif block == "tests":
            if src.lstrip().startswith("#") and "hidden" in first:
                secret.update(lines)
            else:
                allowed.update(lines)
        else:
            allowed.update(lines)
    allowed = {a.strip() for a in allowed}
    given = "\n".join(allowed)     # e.g. the question's text names the function to call
    return sorted(s for s in secret if s not in allowed and s not in given and len(s) > 6
                  and not s.startswith("#"))


@pytest.mark.parametrize("fresh", [False, True], ids=["committed", "generated-now"])
@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_no_solution_line_or_hidden_test_reaches_the_exercise(solution, fresh):
    exercise = ROOT / "exercises" / solution.name
    raw = exercises.render(exercises.parse(solution).exercise) if fresh else exercise.read_text()
    decoded = "\n".join(_sources(json.loads(raw))) + json.dumps(json.loads(raw)["metadata"])
    secrets = _leak_lines(solution)
    assert len(secrets) > 20, "the leak test found too few solution lines to be meaningful"
    lines = {line.strip() for text in decoded.split("\n") for line in [text]}
    lines |= {line.strip() for q in json.loads(raw)["metadata"]["qbi"]["questions"]
              for t in q["public"] for line in t["code"].split("\n")}
    # a secret line may not appear as a line, nor (imports aside, which are not secrets) anywhere
    leaked = [s for s in secrets if s in lines or (not s.startswith(("import ", "from "))
                                                   and (s in decoded or json.dumps(s)[1:-1] in raw))]
    assert not leaked, f"{exercise.name} contains solution or hidden-test lines: {leaked[:5]}"
    for marker in ("# SOLUTION", "BEGIN SOLUTION", "END SOLUTION", "# HIDDEN", "BEGIN TESTS"):
        assert marker not in raw, f"{exercise.name} contains the marker {marker!r}"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_exercise_structure(solution):
    a = exercises.parse(solution)
    nb = nbformat.read(ROOT / "exercises" / solution.name, as_version=4)
    sources = _sources(nb)
    checks = [s for s in sources if re.fullmatch(r'grader\.check\("q\w+"\)', s)]
    assert [re.search(r'"(.+)"', c).group(1) for c in checks] == [q.name for q in a.questions]
    assert sources[-1] == "grader.check_all()"
    h1 = [c for c in nb.cells if c.cell_type == "markdown" and re.search(r"^# ", c.source, re.M)]
    assert len(h1) == 1, "one H1 title"
    assert not re.search(r"solutions?\s*$", nb.cells[0].source.split("\n")[0], re.I)
    meta = nb.metadata["qbi"]
    assert meta["week"] == solution.name[:2] and nb.metadata["kernelspec"]["name"] == "python3"
    for q, stored in zip(a.questions, meta["questions"]):
        hidden = [t for t in q.tests if t.hidden]
        assert hidden and len(hidden) < len(q.tests), f"{q.name} needs public and hidden tests"
        assert [t["code"] for t in stored["public"]] == [t.code for t in q.tests if not t.hidden]
        assert stored["hidden"] == {"tests": len(hidden), "points": sum(t.points for t in hidden)}
        assert q.answers and q.title


def test_week_one_covers_the_objectives():
    a = exercises.parse(ROOT / "solutions" / "01-introduction-and-workflows.ipynb")
    assert len(a.questions) >= 8
    text = (ROOT / "solutions" / "01-introduction-and-workflows.ipynb").read_text()
    for needle in ("rgb2gray", "img_as_float", "img_as_ubyte", "open_beam", "transmission",
                   "1e12", "dask", "bincount", "recipe"):
        assert needle in text, needle


def test_strip_solutions_follows_otter():
    otter_solutions = pytest.importorskip("otter.assign.solutions")
    samples = [
        "x = 1  # SOLUTION\ny = 2",
        "a, b = f(3)  # SOLUTION",
        "arr[0] = 5  # SOLUTION",
        "print('hi')  # SOLUTION",
        "def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION",
        '""" # BEGIN PROMPT\nz = ...\n""" # END PROMPT\n# BEGIN SOLUTION NO PROMPT\nz = 3\n# END SOLUTION',
        "keep = 1  # SOLUTION NO PROMPT\nother = 2",
    ]
    for src in samples:
        ours = exercises.strip_solutions(src)
        theirs = "\n".join(otter_solutions.replace_solutions(src.split("\n"), "python"))
        assert ours == theirs, src


@pytest.mark.cached_by(*CODE, "solutions/*.ipynb")
def test_otter_assign_reads_the_solution_the_same_way(tmp_path):
    """otter assign accepts the solution notebook and writes the same student code as ours."""
    otter = Path(sys.executable).parent / "otter"
    if not otter.exists():
        pytest.skip("otter-grader is not installed")
    solution = ROOT / "solutions" / "01-introduction-and-workflows.ipynb"
    shutil.copy(solution, tmp_path / "master.ipynb")
    run = subprocess.run([str(otter), "assign", "master.ipynb", "dist"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    theirs = nbformat.read(tmp_path / "dist" / "student" / "master.ipynb", as_version=4)
    ours = exercises.parse(solution).exercise

    def code(nb):
        return [c.source.strip() for c in nb.cells if c.cell_type == "code"
                and not c.source.startswith(("grader.check", "# Run this cell first"))]

    assert code(theirs) == code(ours)
    tests = theirs.metadata["otter"]["tests"]
    for q in exercises.parse(solution).questions:
        cases = tests[q.name]["suites"][0]["cases"]
        assert len(cases) == sum(not t.hidden for t in q.tests), q.name  # otter keeps hidden ones out too


def test_format_errors_name_the_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken"),
                nbformat.v4.new_code_cell("answer = 42  # SOLUTION")]
    path = tmp_path / "09-broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(exercises.AssignFormatError, match=r"cell 1.*solution block"):
        exercises.parse(path)


# -- the student's side: check cells ----------------------------------------------------------
@pytest.fixture(scope="module")
def checker():
    return grading.Checker(ROOT / "exercises" / "01-introduction-and-workflows.ipynb")


def _check(checker, question, **answers):
    import numpy as np

    namespace = {"np": np, **answers}
    return eval("checker.check(question)", namespace, {"checker": checker, "question": question})


def test_a_blank_answer_is_not_answered_yet(checker):
    report = _check(checker, "q3", camera_float=..., camera_back=..., value_200=...)
    assert "not answered yet" in repr(report) and "Traceback" not in repr(report)


def test_check_says_which_test_failed_and_why(checker):
    from skimage import data as skdata

    camera = skdata.camera()
    report = repr(_check(checker, "q3", camera_float=camera, camera_back=camera, value_200=0.78))
    assert "1 of 2 public tests passed" in report
    assert "camera_float should be float in [0, 1], got uint8 in [0, 255]" in report
    assert "hidden test" in report


def test_check_passes_a_right_answer_and_explains_lazy_values(checker):
    import dask.array as da
    from qbi import data

    image = data.load("wood_radiograph")["image"]
    chunked = da.from_array(image, chunks=(64, 80))
    ok = _check(checker, "q10", n_chunks=16, n_tasks=len(chunked.mean().dask),
                dask_mean=float(chunked.mean().compute()))
    assert ok.passed, repr(ok)
    lazy = repr(_check(checker, "q10", n_chunks=16, n_tasks=3, dask_mean=chunked.mean()))
    assert "lazy dask object: call .compute()" in lazy


def test_check_without_the_exercise_file_explains(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    report = repr(grading.Checker("01-introduction-and-workflows.ipynb").check("q1"))
    assert "Cannot find the tests" in report


@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_every_answer_has_a_public_test_and_a_plain_title(solution):
    """A wrong value gets a signal before grading: every answer name is read by at least one public
    test (its kind, shape or range); titles in the check output are plain text."""
    for q in exercises.parse(solution).questions:
        public = set()
        for t in q.tests:
            if not t.hidden:
                public.update(exercises.free_names(t.code))
        unread = [a for a in q.answers if a not in public]
        assert not unread, f"{solution.name} {q.name}: no public test reads {unread}"
        assert not re.search(r"[`$]", q.title), f"{solution.name} {q.name}: title {q.title!r} is not plain text"

"""Generate the student exercises from the solution notebooks: ``python -m qbi exercises``.

``solutions/NN-slug.ipynb`` is the single source of week NN's exercise, written in otter-grader's
*assign* format (https://otter-grader.readthedocs.io/en/latest/otter_assign/):

* a raw cell ``# ASSIGNMENT CONFIG`` (YAML) at the top;
* every graded question is wrapped in raw cells ``# BEGIN QUESTION`` (YAML: ``name``, ``points``)
  and ``# END QUESTION``; the question's first markdown heading is its title;
* the worked answer sits in code cells between raw cells ``# BEGIN SOLUTION`` / ``# END SOLUTION``.
  Inside them a line ending in ``# SOLUTION`` becomes ``name = ...`` (or ``...``), lines between
  ``# BEGIN SOLUTION`` and ``# END SOLUTION`` *inside a cell* are replaced by ``...`` (dropped with
  ``# BEGIN SOLUTION NO PROMPT``), and lines between ``\"\"\" # BEGIN PROMPT`` and
  ``\"\"\" # END PROMPT`` are what the student sees instead (a string, thus inert, in the solution).
  Markdown cells in a solution block are left out of the exercise.
* the tests sit in code cells between raw cells ``# BEGIN TESTS`` / ``# END TESTS``: plain
  ``assert`` statements with a message in plain words.  A test cell whose first line is a comment
  containing ``HIDDEN`` is a hidden test (used for grading only); otherwise it is public.  The first
  other comment line of a test cell names the test.  A ``\"\"\" # BEGIN TEST CONFIG`` block may set
  ``points`` (otter's rules: the question's points are split evenly over the tests without their own).

Answers must be values (numbers, strings, numpy arrays, lists, tuples, sets, dicts of them):
the names a question's tests read, that they do not define themselves (``np`` is always there),
are the question's *answers*.  Tests must recompute their references from trusted sources
(``skimage.data``, ``qbi.data``), never from a student's variable.

The exercise ``exercises/NN-slug.ipynb`` is written from it, deterministically:

* the title loses a trailing ``- solutions`` (also with an en/em dash or in parentheses);
  cells tagged ``solution-only`` are left out;
* before the first code cell (after the launch cell of :mod:`qbi.launch`):
  ``grader = Checker("NN-slug.ipynb")`` (from :mod:`qbi.grading`);
* every question's tests are replaced by one check cell ``grader.check("qN")`` that runs the
  public tests, stored in the notebook's metadata (``metadata.qbi``); hidden tests are never
  written to the exercise, only their number and points;
* the last cells show the total (``grader.check_all()``).

The exercise records a SHA-256 of the cells it was generated with.  A later run overwrites it only
when its cells still match that hash (nobody edited it); otherwise it refuses, naming the file,
unless ``--force``, which first copies it to ``backups/exercises/``.

Usage::

    python -m qbi exercises            # regenerate every exercise (all solutions/*.ipynb)
    python -m qbi exercises --check    # exit 1, naming the file, when an exercise is out of date
    python -m qbi exercises --force    # overwrite edited exercises, keeping a backup first
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import hashlib
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS, EXERCISES, BACKUPS = "solutions", "exercises", "backups/exercises"
META_KEY = "qbi"
PROVIDED = {"np"}  # names every test may use without importing (numpy)
NAME_RE = re.compile(r"^(\d\d)-([a-z0-9-]+)\.ipynb$")


class AssignFormatError(ValueError):
    """The solution notebook does not follow the assign format; the message names the cell."""


# --------------------------------------------------------------------------------------------
# Solution stripping: the same rules and regular expressions as otter.assign.solutions
# --------------------------------------------------------------------------------------------
_SOLUTION_ASSIGNMENT = re.compile(
    r"(\s*(?:[\w.]+(?=[^\w.])(?:\[['\"]?.*['\"]?\])*(?:,\s*)?)+\s*=).* ?# ?SOLUTION")
_SOLUTION_LINE = re.compile(r"(\s*).* ?# ?SOLUTION")
_BEGIN_SOLUTION = re.compile(r"(\s*)# BEGIN SOLUTION( NO PROMPT)?")
_SKIP_SUFFIXES = ("# SOLUTION NO PROMPT", "# BEGIN PROMPT", "# END PROMPT", "# SEED")
MARKERS = ("# SOLUTION", "# BEGIN SOLUTION", "# END SOLUTION", "# BEGIN PROMPT", "# END PROMPT")


def strip_solutions(source: str) -> str:
    """The student's version of a solution cell (otter assign's rules)."""
    out, inside = [], False
    for line in source.split("\n"):
        end = line.rstrip()
        if end.endswith(_SKIP_SUFFIXES):
            continue
        if end.endswith("# END SOLUTION"):
            if not inside:
                raise AssignFormatError(f"END SOLUTION without BEGIN SOLUTION in:\n{source}")
            inside = False
            continue
        if inside:
            continue
        begin = _BEGIN_SOLUTION.match(line)
        if begin:
            inside = True
            if begin.group(2):
                continue
            line = begin.group(1) + "..."
        else:
            match = _SOLUTION_ASSIGNMENT.match(line)
            if match:
                line = match.group(1) + " ..."
            else:
                match = _SOLUTION_LINE.match(line)
                if match:
                    line = match.group(1) + "..."
        out.append(line)
    if inside:
        raise AssignFormatError(f"BEGIN SOLUTION without END SOLUTION in:\n{source}")
    return "\n".join(out)


def solution_only_lines(source: str) -> list[str]:
    """The lines of a solution cell that the student must not see (for the leak test)."""
    stripped = set(strip_solutions(source).split("\n"))
    lines = []
    for line in source.split("\n"):
        text = line.strip()
        for marker in ("# SOLUTION NO PROMPT", "# SOLUTION"):
            if text.endswith(marker):
                text = text[: -len(marker)].strip()
        if text and line not in stripped and not any(m.strip() == text for m in MARKERS) \
                and "# BEGIN" not in text and "# END" not in text and text != '"""':
            lines.append(text)
    return lines


# --------------------------------------------------------------------------------------------
# Parsing the assign format
# --------------------------------------------------------------------------------------------
@dataclass
class Test:
    name: str
    code: str
    hidden: bool
    points: float | None = None


@dataclass
class Question:
    name: str
    points: float | None
    title: str = ""
    tests: list[Test] = field(default_factory=list)
    solution: str = ""  # the question's solution code (orders the answers)

    @property
    def answers(self) -> list[str]:
        """The names the tests read but do not define: the student's answers, in solution order."""
        names: list[str] = []
        for test in self.tests:
            for name in free_names(test.code):
                if name not in names:
                    names.append(name)

        def first(name):
            hit = re.search(rf"\b{re.escape(name)}\b", self.solution)
            return hit.start() if hit else len(self.solution)

        return sorted(names, key=first)

    @property
    def total(self) -> float:
        return sum(t.points for t in self.tests)


@dataclass
class Assignment:
    source: Path
    week: str
    slug: str
    config: dict
    questions: list[Question]
    exercise: nbformat.NotebookNode  # the student's notebook, as generated

    @property
    def filename(self) -> str:
        return f"{self.week}-{self.slug}.ipynb"

    def question(self, name: str) -> Question:
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(name)


def free_names(code: str) -> list[str]:
    """Names a piece of code reads without binding them (excluding builtins and ``np``)."""
    tree = ast.parse(code)
    bound, loaded = set(PROVIDED), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loaded.append(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    seen: list[str] = []
    for name in loaded:
        if name not in bound and not hasattr(builtins, name) and name not in seen:
            seen.append(name)
    return seen


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _boundary(cell, word: str, end: bool = False) -> bool:
    if cell.get("cell_type") != "raw":
        return False
    first = _source(cell).split("\n", 1)[0]
    return bool(re.match(rf"#\s+{'end' if end else 'begin'}\s+{word}\s*", first, flags=re.I))


def _yaml_body(cell) -> dict:
    body = yaml.safe_load(_source(cell).split("\n", 1)[1] if "\n" in _source(cell) else "") or {}
    if not isinstance(body, dict):
        raise AssignFormatError(f"expected YAML settings in the cell:\n{_source(cell)}")
    return body


_TEST_CONFIG_BEGIN = re.compile(r'(?:.\s*=\s*)?""?"?\s*#\s*BEGIN\s*TEST\s*CONFIG', re.I)
_TEST_CONFIG_END = re.compile(r'""?"?\s*#\s*END\s*TEST\s*CONFIG', re.I)


def _parse_test(source: str, number: int) -> Test:
    lines = source.split("\n")
    hidden = bool(lines and lines[0].lstrip().startswith("#")
                  and re.search(r"\bhidden\b", lines[0], flags=re.I))
    config: dict = {}
    if lines and _TEST_CONFIG_BEGIN.match(lines[0]):
        for i, line in enumerate(lines):
            if _TEST_CONFIG_END.match(line):
                config = yaml.safe_load("\n".join(lines[1:i])) or {}
                lines = lines[i + 1:]
                break
    hidden = bool(config.get("hidden", hidden))
    name = ""
    for line in lines:
        text = line.strip()
        if text.startswith("#"):
            words = re.sub(r"^#+\s*", "", text)
            words = re.sub(r"^hidden\b[\s:.-]*", "", words, flags=re.I).strip()
            if words:
                name = words
                break
        elif text:
            break
    code = "\n".join(lines).strip("\n") + "\n"
    try:
        ast.parse(code)
    except SyntaxError as err:
        raise AssignFormatError(f"test {number} has a syntax error: {err}") from None
    return Test(name or f"test {number}", code, hidden, config.get("points"))


def _resolve_points(question: Question) -> None:
    """Otter's rules: question points split evenly over the tests without their own points."""
    explicit = sum(t.points for t in question.tests if t.points is not None)
    unset = [t for t in question.tests if t.points is None]
    if question.points is not None:
        if explicit > question.points:
            raise AssignFormatError(f"{question.name}: the tests have more points than the question")
        each = (question.points - explicit) / len(unset) if unset else 0.0
    else:
        each = (1 / len(unset) if unset else 0.0) if explicit == 0 else 0.0
    for t in unset:
        t.points = each


def _title_without_solutions(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            lines[i] = re.sub(r"\s*(?:[-\u2013\u2014:]\s*solutions?|\(solutions?\))\s*$", "", line,
                              flags=re.I)
            break
    return "\n".join(lines)


def _cell(kind: str, source: str, cell_id: str, metadata: dict | None = None):
    factory = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
               "raw": nbformat.v4.new_raw_cell}[kind]
    cell = factory(source)
    cell["id"] = cell_id
    cell["metadata"] = metadata or {}
    return cell


def parse(path: Path) -> Assignment:
    """Read a solution notebook: its questions and tests, and the exercise it generates."""
    path = Path(path)
    match = NAME_RE.match(path.name)
    if not match:
        raise AssignFormatError(f"{path.name}: solution notebooks are named NN-slug.ipynb")
    week, slug = match.groups()
    nb = nbformat.read(path, as_version=4)
    config: dict = {}
    questions: list[Question] = []
    out: list = []
    question: Question | None = None
    block: str | None = None  # None, "solution", "tests", "prompt"
    used_ids: set[str] = set()

    def add(cell, kind=None, source=None, metadata=None):
        cid = cell.get("id") or f"cell-{len(out)}"
        while cid in used_ids:
            cid += "-x"
        used_ids.add(cid)
        meta = {k: v for k, v in (metadata if metadata is not None else cell.get("metadata", {})).items()
                if k not in ("execution", "collapsed", "scrolled")}
        out.append(_cell(kind or cell["cell_type"], _source(cell) if source is None else source, cid, meta))

    def where(i):
        return f"{path.name}, cell {i}"

    for i, cell in enumerate(nb.cells):
        src, kind = _source(cell), cell["cell_type"]
        tags = cell.get("metadata", {}).get("tags", [])
        if kind == "raw" and re.match(r"#\s+assignment\s+config", src, flags=re.I):
            config = _yaml_body(cell)
            continue
        if kind == "markdown" and src.lstrip().startswith("```otter"):
            raise AssignFormatError(f"{where(i)}: write otter markers as raw cells, not ```otter fences")
        if _boundary(cell, "question"):
            if question is not None:
                raise AssignFormatError(f"{where(i)}: BEGIN QUESTION inside question {question.name}")
            settings = _yaml_body(cell)
            if "name" not in settings:
                raise AssignFormatError(f"{where(i)}: BEGIN QUESTION needs a name")
            question = Question(str(settings["name"]), settings.get("points"))
            if any(q.name == question.name for q in questions):
                raise AssignFormatError(f"{where(i)}: question {question.name} appears twice")
            continue
        if _boundary(cell, "question", end=True):
            if question is None or block is not None:
                raise AssignFormatError(f"{where(i)}: END QUESTION without a matching begin")
            if not question.tests:
                raise AssignFormatError(f"{where(i)}: question {question.name} has no tests")
            if not any(t.hidden for t in question.tests) or all(t.hidden for t in question.tests):
                raise AssignFormatError(f"{where(i)}: question {question.name} needs public and hidden tests")
            _resolve_points(question)
            questions.append(question)
            add({"id": f"check-{question.name}"}, "code", f'grader.check("{question.name}")', {})
            question = None
            continue
        opened = next((w for w in ("solution", "tests", "prompt") if _boundary(cell, w)), None)
        if opened:
            if question is None or block is not None:
                raise AssignFormatError(f"{where(i)}: BEGIN {opened.upper()} outside a question "
                                        "or inside another block")
            block = opened
            continue
        closed = next((w for w in ("solution", "tests", "prompt") if _boundary(cell, w, end=True)), None)
        if closed:
            if block != closed:
                raise AssignFormatError(f"{where(i)}: END {closed.upper()} without a matching begin")
            block = None
            continue
        if "solution-only" in tags:
            continue
        if block == "tests":
            if kind != "code":
                raise AssignFormatError(f"{where(i)}: only code cells belong in a tests block")
            question.tests.append(_parse_test(src, len(question.tests) + 1))
            continue
        if block == "solution":
            if kind == "code":
                question.solution += src + "\n"
                add(cell, source=strip_solutions(src), metadata={})
            continue  # markdown in a solution block is the teacher's explanation
        if kind == "code" and any(m in src for m in MARKERS):
            raise AssignFormatError(f"{where(i)}: solution markers outside a BEGIN/END SOLUTION block "
                                    "would reach the students; wrap the cell in a solution block")
        if question is not None and kind == "markdown" and not question.title:
            heading = re.search(r"^#+\s+(.+)$", src, flags=re.M)
            if heading:
                # plain text: the check cells print it (no `code` or $math$ markup)
                question.title = re.sub(r"[`$]|\\(?=[a-zA-Z])", "", heading.group(1)).strip()
        add(cell, source=_title_without_solutions(src) if not out else src)
    if question is not None or block is not None:
        raise AssignFormatError(f"{path.name}: a question or block is not closed at the end")
    if not questions:
        raise AssignFormatError(f"{path.name}: no questions")

    # the Checker, before the first code cell; the total at the end
    setup = ("# Run this cell first: it loads the checks of this exercise.\n"
             "# Below each question, `grader.check(...)` tells you which tests pass and why.\n"
             "from qbi.grading import Checker\n\n"
             f'grader = Checker("{week}-{slug}.ipynb")')
    # after the launch cell (qbi.launch), which installs qbi where it is missing
    from .launch import MARKER as LAUNCH

    first_code = next((k for k, c in enumerate(out) if c["cell_type"] == "code"
                       and not c["source"].startswith(LAUNCH)), len(out))
    out.insert(first_code, _cell("code", setup, "qbi-setup"))
    out.append(_cell("markdown", "## Your total\n\nRun the cell below to see the points from the public "
                     "tests of every question. Hidden tests add the remaining points when your "
                     "notebook is graded.", "qbi-total-heading"))
    out.append(_cell("code", "grader.check_all()", "qbi-total"))

    exercise = nbformat.v4.new_notebook()
    exercise.nbformat, exercise.nbformat_minor = 4, 5
    exercise.metadata = {k: copy.deepcopy(v) for k, v in nb.metadata.items()
                         if k in ("kernelspec", "language_info")}
    exercise.metadata.setdefault("kernelspec", {"display_name": "Python 3", "language": "python",
                                                "name": "python3"})
    exercise.metadata["language_info"] = {"name": "python"}
    exercise.cells = out
    exercise.metadata[META_KEY] = {
        "generated_by": "python -m qbi exercises (do not edit: edit the solution and regenerate)",
        "source": f"{SOLUTIONS}/{path.name}",
        "week": week,
        "slug": slug,
        "questions": [
            {"name": q.name, "title": q.title, "points": q.total, "answers": q.answers,
             "hidden": {"tests": sum(t.hidden for t in q.tests),
                        "points": sum(t.points for t in q.tests if t.hidden)},
             "public": [{"name": t.name, "code": t.code, "points": t.points}
                        for t in q.tests if not t.hidden]}
            for q in questions],
    }
    exercise.metadata[META_KEY]["cells_sha256"] = cells_hash(exercise)
    return Assignment(path, week, slug, config, questions, exercise)


# --------------------------------------------------------------------------------------------
# Writing, checking, protecting students' edits
# --------------------------------------------------------------------------------------------
def cells_hash(nb) -> str:
    """SHA-256 of the cells' types and sources: what a student's edits change (not outputs)."""
    cells = [[c["cell_type"], _source(c)] for c in nb["cells"]]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=True).encode()).hexdigest()


def render(nb) -> str:
    """The exercise's file text (what JupyterLab writes: sorted keys, one-space indent)."""
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def edited(path: Path) -> str | None:
    """Why the exercise at ``path`` holds edits the generator did not write (None: it does not)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        recorded = nb["metadata"][META_KEY]["cells_sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return "it is not a notebook written by this generator (no cells_sha256 in its metadata)"
    if cells_hash(nb) != recorded:
        return "its cells differ from what the generator wrote (answers or other edits)"
    return None


def backup(path: Path, root: Path) -> Path:
    folder = root / BACKUPS
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}-{stamp}.ipynb"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{stamp}-{n}.ipynb"
    shutil.copy2(path, target)
    return target


def solutions(root: Path) -> list[Path]:
    return sorted(p for p in (root / SOLUTIONS).glob("*.ipynb") if NAME_RE.match(p.name))


def solution_for_week(week: str, root: Path = REPO) -> Path:
    week = f"{int(week):02d}"
    found = [p for p in solutions(root) if p.name.startswith(f"{week}-")]
    if not found:
        raise FileNotFoundError(f"no solution notebook for week {week} in {root / SOLUTIONS}")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qbi exercises",
        description="Generate exercises/NN-slug.ipynb from every solutions/NN-slug.ipynb.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and name every exercise that is out of date")
    parser.add_argument("--force", action="store_true",
                        help="overwrite exercises that hold edits, after copying them to backups/exercises/")
    parser.add_argument("--root", type=Path, default=REPO, help="the course repository (default: this one)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    start = time.perf_counter()
    sources = solutions(root)
    if not sources:
        print(f"exercises: no solution notebooks in {root / SOLUTIONS}", file=sys.stderr)
        return 1
    problems, written = 0, 0
    expected = set()
    for src in sources:
        try:
            assignment = parse(src)
        except (AssignFormatError, SyntaxError, yaml.YAMLError) as err:
            print(f"exercises: {src.relative_to(root)}: {err}", file=sys.stderr)
            problems += 1
            continue
        target = root / EXERCISES / assignment.filename
        expected.add(target.name)
        text = render(assignment.exercise)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        rel = target.relative_to(root)
        if current == text:
            continue
        if args.check:
            why = "is missing" if current is None else "differs from what the generator writes"
            print(f"exercises: {rel} {why}: run `python -m qbi exercises` (never edit it by hand)",
                  file=sys.stderr)
            problems += 1
            continue
        if current is not None:
            why = edited(target)
            if why:
                if not args.force:
                    print(f"exercises: refusing to overwrite {rel}: {why}. Your work there is kept. "
                          "To replace it anyway, run `python -m qbi exercises --force` "
                          f"(it first copies the file to {BACKUPS}/).", file=sys.stderr)
                    problems += 1
                    continue
                saved = backup(target, root)
                print(f"exercises: {rel} held edits ({why}); backup kept at {saved.relative_to(root)}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written += 1
        print(f"exercises: wrote {rel} ({len(assignment.questions)} questions, "
              f"{sum(q.total for q in assignment.questions):g} points)")
    for orphan in sorted((root / EXERCISES).glob("*.ipynb")):
        if orphan.name not in expected and NAME_RE.match(orphan.name):
            print(f"exercises: {orphan.relative_to(root)} has no solution notebook "
                  f"({SOLUTIONS}/{orphan.name} is missing)", file=sys.stderr)
            problems += 1
    took = time.perf_counter() - start
    if args.check:
        if not problems:
            print(f"exercises: all {len(sources)} exercise(s) up to date ({took:.2f} s)")
    elif not problems:
        print(f"exercises: {written} written, {len(sources) - written} unchanged ({took:.2f} s)")
    return 1 if problems else 0

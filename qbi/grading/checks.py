"""The student's check cells: run a question's tests on plain values and say what failed, in plain text.

:func:`run_question` runs a question's tests (public, and in the grader also hidden) on the answer
values of :mod:`qbi.grading.transport` and returns a :class:`QuestionResult` whose messages are
plain words.  :class:`Checker` is what an exercise's first code cell creates
(``grader = Checker("NN-slug.ipynb")``); its ``check("q1")`` runs the public tests stored in the
exercise's metadata against the notebook's answers and returns a :class:`CheckReport` (plain text).
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from .transport import MISSING, NOT_ANSWERED, Unsupported, answer_values

GRADING_ENV = "QBI_GRADING"  # set in the grading process: check cells do nothing there


# ============================================================================================
# Running the tests of one question on plain values
# ============================================================================================
@dataclass
class TestResult:
    name: str
    hidden: bool
    points: float
    max_points: float
    passed: bool
    message: str = ""


@dataclass
class QuestionResult:
    name: str
    title: str
    tests: list[TestResult]
    status: str  # "passed", "failed", "not answered", "not defined", "unsupported"
    note: str = ""

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def max_points(self) -> float:
        return sum(t.max_points for t in self.tests)


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"


def _clip(text: str, n: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _failure_message(err: BaseException, code: str, filename: str) -> str:
    line = ""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename == filename and frame.lineno:
            lines = code.split("\n")
            if 0 < frame.lineno <= len(lines):
                line = lines[frame.lineno - 1].strip()
            break
    if isinstance(err, AssertionError):
        text = str(err).strip()
        return _clip(text) if text else _clip(f"this check failed: {line}")
    where = f" (in the test line `{_clip(line, 120)}`)" if line else ""
    return _clip(f"{type(err).__name__}: {err}{where}")


def run_question(name: str, title: str, tests: list[dict], values: dict) -> QuestionResult:
    """Run ``tests`` (dicts with name, code, points, hidden) on the answer ``values``."""
    import numpy as np

    from ..exercises import free_names

    results: list[TestResult] = []
    blank, missing, unsupported = [], [], {}
    for i, test in enumerate(tests, 1):
        needs = free_names(test["code"])
        problem = ""
        for n in needs:
            v = values.get(n, MISSING)
            if v is NOT_ANSWERED:
                if n not in blank:
                    blank.append(n)
                problem = problem or f"{n} is not answered yet (still ...)"
            elif v is MISSING:
                if n not in missing:
                    missing.append(n)
                problem = problem or f"{n} is not defined: run the cell that computes it"
            elif isinstance(v, Unsupported):
                unsupported[n] = str(v)
                problem = problem or f"{n} cannot be checked: {v}"
        pts = float(test.get("points") or 0)
        if problem:
            results.append(TestResult(test["name"], bool(test.get("hidden")), 0.0, pts, False, problem))
            continue
        namespace = {"__builtins__": builtins, "np": np}
        namespace.update({n: values[n] for n in needs if n in values})
        filename = f"<test {name}.{i}>"
        try:
            exec(compile(test["code"], filename, "exec"), namespace)
        except Exception as err:  # a failed test, in plain words
            results.append(TestResult(test["name"], bool(test.get("hidden")), 0.0, pts, False,
                                      _failure_message(err, test["code"], filename)))
        else:
            results.append(TestResult(test["name"], bool(test.get("hidden")), pts, pts, True))
    needed = {n for test in tests for n in free_names(test["code"])}
    if needed and all(values.get(n, MISSING) is NOT_ANSWERED for n in needed):
        status, note = "not answered", f"not answered yet ({', '.join(blank)} still ...)"
    elif all(r.passed for r in results):
        status, note = "passed", ""
    elif missing:
        status, note = "not defined", f"{', '.join(missing)} not defined"
    elif unsupported:
        status = "unsupported"
        note = "; ".join(f"{k}: {v}" for k, v in unsupported.items())
    else:
        status, note = "failed", ""
    return QuestionResult(name, title, results, status, note)


# ============================================================================================
# Students: the check cells
# ============================================================================================
class CheckReport:
    """What a check cell shows: plain text (its repr), one line per test."""

    def __init__(self, text: str, result: QuestionResult | None = None):
        self.text, self.result = text, result

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.status == "passed"

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


class Checker:
    """Runs the public tests stored in an exercise notebook against the notebook's answers."""

    def __init__(self, notebook: str | os.PathLike | None = None):
        self.notebook = notebook
        self._spec: dict | None = None
        self._path: Path | None = None

    # -- finding the tests ------------------------------------------------------------------
    def _load(self, caller: dict) -> str | None:
        if self._spec is not None:
            return None
        candidates = []
        if self.notebook:
            candidates.append(Path(self.notebook))
        for hint in (caller.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
            if hint:
                candidates.append(Path(hint))
        for path in candidates:
            try:
                spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["qbi"]
                spec["questions"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            self._spec, self._path = spec, path
            return None
        return (f"Cannot find the tests of this exercise: they are stored in {self.notebook}, "
                f"which is not in this folder ({os.getcwd()}). Open the exercise from the "
                "exercises/ folder of the course repository, or give its path: "
                'grader = Checker("path/to/the/exercise.ipynb").')

    def _question(self, name: str) -> dict | None:
        for q in self._spec["questions"]:
            if q["name"] == name:
                return q
        return None

    # -- checking ---------------------------------------------------------------------------
    def _run(self, q: dict, caller: dict) -> QuestionResult:
        tests = [dict(t, hidden=False) for t in q["public"]]
        from ..exercises import free_names

        names = []
        for t in tests:
            names += [n for n in free_names(t["code"]) if n not in names]
        return run_question(q["name"], q.get("title", ""), tests, answer_values(caller, names))

    def check(self, question: str) -> CheckReport:
        """Run the public tests of ``question`` (e.g. ``"q1"``) and say what passes and why."""
        if os.environ.get(GRADING_ENV):
            return CheckReport(f"{question}: checks are skipped while the notebook is graded")
        caller = sys._getframe(1).f_globals
        problem = self._load(caller)
        if problem:
            return CheckReport(problem)
        q = self._question(question)
        if q is None:
            known = ", ".join(x["name"] for x in self._spec["questions"])
            return CheckReport(f"There is no question {question!r} in this exercise (questions: {known}).")
        result = self._run(q, caller)
        return CheckReport(self._describe(q, result), result)

    @staticmethod
    def _describe(q: dict, r: QuestionResult) -> str:
        head = q.get("title") or q["name"]
        hidden = q.get("hidden", {})
        n, pts = hidden.get("tests", 0), hidden.get("points", 0)
        later = (f"{n} hidden test{'s' if n != 1 else ''} ({_fmt(pts)} point{'s' if pts != 1 else ''}) "
                 f"run{'s' if n == 1 else ''} when your notebook is graded.") if n else ""
        if r.status == "not answered":
            return (f"{head}: not answered yet. Replace each ... in the answer cell "
                    f"({', '.join(q.get('answers', []))}) with your answer, run that cell, then this one.")
        n_ok = sum(t.passed for t in r.tests)
        if r.status == "passed":
            lines = [f"{head}: all {len(r.tests)} public tests passed."]
        else:
            lines = [f"{head}: {n_ok} of {len(r.tests)} public tests passed."]
        for t in r.tests:
            mark = "\u2714 passed" if t.passed else "\u2718 FAILED"
            lines.append(f"  {mark}: {t.name}" + ("" if t.passed else f"\n      why: {t.message}"))
        if later:
            lines.append(later)
        return "\n".join(lines)

    def check_all(self) -> CheckReport:
        """The public tests of every question, and the total they give."""
        if os.environ.get(GRADING_ENV):
            return CheckReport("checks are skipped while the notebook is graded")
        caller = sys._getframe(1).f_globals
        problem = self._load(caller)
        if problem:
            return CheckReport(problem)
        lines, got, public, hidden = ["Public tests of every question:"], 0.0, 0.0, 0.0
        width = max(len(q["name"]) for q in self._spec["questions"])
        for q in self._spec["questions"]:
            r = self._run(q, caller)
            got += r.points
            public += r.max_points
            hidden += q.get("hidden", {}).get("points", 0)
            state = {"passed": "all passed", "not answered": "not answered yet"}.get(
                r.status, f"{sum(t.passed for t in r.tests)} of {len(r.tests)} passed")
            lines.append(f"  {q['name']:<{width}}  {_fmt(r.points):>5} / {_fmt(r.max_points):<5} {state}"
                         f"  - {q.get('title', '')}")
        lines.append(f"Total from the public tests: {_fmt(got)} of {_fmt(public)} points.")
        lines.append(f"The hidden tests add up to {_fmt(hidden)} more points when your notebook is "
                     f"graded ({_fmt(public + hidden)} points in all).")
        return CheckReport("\n".join(lines))

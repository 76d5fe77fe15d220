"""The students' check cells (:mod:`qbi.grading.checks`): a question's tests run on plain values,
and every message a student or instructor reads is plain text saying what to fix.

The check cells of the real exercises are tested in ``test_exercises.py``; here
:func:`run_question` and :class:`Checker` are tested on small, made-up questions.
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from qbi import grading
from qbi.grading.checks import GRADING_ENV, CheckReport, Checker, run_question
from qbi.grading.transport import MISSING, NOT_ANSWERED, Unsupported

TESTS = [
    {"name": "total is a number", "code": "assert isinstance(total, (int, float)), "
     "f'total should be a number, got {type(total).__name__}'", "points": 1, "hidden": False},
    {"name": "total is right", "code": "assert total == 3", "points": 2, "hidden": True},
]


def _plain(text: str) -> bool:
    """One line of plain words: no terminal colours, no traceback, no markup of a notebook."""
    return "\x1b" not in text and "Traceback" not in text and "\n" not in text and "<" not in text[:1]


def test_a_right_answer_passes_every_test():
    r = run_question("q1", "Add", TESTS, {"total": 3})
    assert r.status == "passed" and r.points == 3 and r.max_points == 3
    assert [t.passed for t in r.tests] == [True, True] and [t.hidden for t in r.tests] == [False, True]


def test_a_failed_assert_says_its_message_in_plain_words():
    r = run_question("q1", "Add", TESTS, {"total": "three"})
    assert r.status == "failed" and r.points == 0
    message = r.tests[0].message
    assert message == "total should be a number, got str" and _plain(message)


def test_an_assert_without_message_shows_the_failed_check():
    r = run_question("q1", "Add", TESTS, {"total": 4})
    assert r.tests[0].passed and not r.tests[1].passed and r.points == 1
    assert r.tests[1].message == "this check failed: assert total == 3"


def test_an_error_in_a_test_names_the_error_and_the_test_line():
    tests = [{"name": "ratio", "code": "# a comment\nratio = 1 / total\nassert ratio < 1", "points": 1}]
    r = run_question("q2", "Ratio", tests, {"total": 0})
    message = r.tests[0].message
    assert message.startswith("ZeroDivisionError: division by zero") and "`ratio = 1 / total`" in message
    assert _plain(message)


def test_a_long_message_is_cut_to_one_readable_line():
    tests = [{"name": "long", "code": "assert False, 'word ' * 500 + '\\n\\n end'", "points": 1}]
    message = run_question("q3", "Long", tests, {}).tests[0].message
    assert len(message) <= 400 and message.endswith("...") and _plain(message)


@pytest.mark.parametrize("value, status, words", [
    (NOT_ANSWERED, "not answered", "total is not answered yet (still ...)"),
    (MISSING, "not defined", "total is not defined: run the cell that computes it"),
    (Unsupported("it is a lazy dask object: call .compute()"), "unsupported",
     "total cannot be checked: it is a lazy dask object: call .compute()"),
])
def test_blank_missing_and_unsupported_answers_are_named_not_crashed(value, status, words):
    r = run_question("q1", "Add", TESTS, {"total": value})
    assert r.status == status and r.points == 0
    assert all(t.message == words for t in r.tests) and _plain(words)


# -- the Checker of an exercise notebook -----------------------------------------------------------
@pytest.fixture()
def exercise(tmp_path):
    """A tiny exercise notebook with its tests in the metadata, as ``python -m qbi exercises`` writes it."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["qbi"] = {"week": "99", "slug": "tiny", "questions": [
        {"name": "q1", "title": "Add two numbers", "answers": ["total"], "points": 3.0,
         "public": [{k: t[k] for k in ("name", "code", "points")} for t in TESTS if not t["hidden"]],
         "hidden": {"tests": 1, "points": 2.0}},
        {"name": "q2", "title": "Make an array", "answers": ["arr"], "points": 1.0,
         "public": [{"name": "arr has 3 values", "code": "assert np.shape(arr) == (3,), "
                     "f'arr should hold 3 values, got shape {np.shape(arr)}'", "points": 1.0}],
         "hidden": {"tests": 0, "points": 0}},
    ]}
    path = tmp_path / "99-tiny.ipynb"
    nbformat.write(nb, path)
    return path


def _check(checker, call: str, **answers):
    """Run ``checker.<call>`` from a namespace holding ``answers``, as a notebook's check cell does."""
    namespace = {"np": np, "checker": checker, **answers}
    exec(f"report = checker.{call}", namespace)
    return namespace["report"]


def test_check_says_what_passed_and_what_runs_later(exercise, monkeypatch):
    monkeypatch.delenv(GRADING_ENV, raising=False)
    report = _check(Checker(exercise), 'check("q1")', total=3)
    assert isinstance(report, CheckReport) and report.passed
    assert str(report) == repr(report) == (
        "Add two numbers: all 1 public tests passed.\n"
        "  \u2714 passed: total is a number\n"
        "1 hidden test (2 points) runs when your notebook is graded.")


def test_check_explains_a_failure_and_a_blank_in_plain_text(exercise, monkeypatch):
    monkeypatch.delenv(GRADING_ENV, raising=False)
    failed = repr(_check(Checker(exercise), 'check("q2")', arr=[1, 2]))
    assert not _check(Checker(exercise), 'check("q2")', arr=[1, 2]).passed
    assert "0 of 1 public tests passed" in failed and "why: arr should hold 3 values, got shape (2,)" in failed
    blank = repr(_check(Checker(exercise), 'check("q1")', total=...))
    assert blank.startswith("Add two numbers: not answered yet. Replace each ... in the answer cell (total)")
    for text in (failed, blank):
        assert "\x1b" not in text and "Traceback" not in text


def test_check_all_adds_up_the_public_tests(exercise, monkeypatch):
    monkeypatch.delenv(GRADING_ENV, raising=False)
    text = repr(_check(Checker(exercise), "check_all()", total=3, arr=...))
    assert "Total from the public tests: 1 of 2 points." in text
    assert "The hidden tests add up to 2 more points when your notebook is graded (4 points in all)." in text
    assert "not answered yet" in text


def test_an_unknown_question_or_a_graded_run_is_said_plainly(exercise, monkeypatch):
    monkeypatch.delenv(GRADING_ENV, raising=False)
    unknown = repr(_check(Checker(exercise), 'check("q9")'))
    assert unknown == "There is no question 'q9' in this exercise (questions: q1, q2)."
    monkeypatch.setenv(GRADING_ENV, "1")
    assert repr(_check(Checker(exercise), 'check("q1")', total=3)) == (
        "q1: checks are skipped while the notebook is graded")


def test_the_checker_is_the_one_the_exercises_import():
    """The exercises' first code cell runs ``from qbi.grading import Checker``."""
    assert grading.Checker is Checker and grading.run_question is run_question
    nb = json.loads(open(grading.REPO / "exercises" / "01-introduction-and-workflows.ipynb").read())
    assert any("from qbi.grading import Checker" in "".join(c["source"]) for c in nb["cells"])

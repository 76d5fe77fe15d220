"""Solution pages read as worked examples: no exercise-generator markup on the built site."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

from qbi.solution_pages import worked_example

MARKUP = re.compile(r"# BEGIN PROMPT|# END PROMPT|# BEGIN SOLUTION|# END SOLUTION|# SOLUTION\b|# HIDDEN\b")


def test_worked_example_drops_prompts_and_markers():
    source = ('x = 1\nanswer = compute(x)  # SOLUTION\nT = a / b  # SOLUTION NO PROMPT\n'
              '""" # BEGIN PROMPT\ndef f():\n    return ...\n""" # END PROMPT\n'
              '# BEGIN SOLUTION NO PROMPT\ndef f():\n    return 3\n# END SOLUTION\nprint(f())')
    assert worked_example(source) == ("x = 1\nanswer = compute(x)\nT = a / b\n"
                                      "def f():\n    return 3\nprint(f())")
    assert worked_example("# HIDDEN\nassert x == 1") == "# hidden test: run at grading time only\nassert x == 1"


@pytest.mark.parametrize("solution", sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda p: p.stem)
def test_built_solution_page_shows_no_generator_markup(site, solution):
    page = site / "solutions" / f"{solution.stem}.html"
    if not page.exists():
        pytest.skip("solutions are not published in this build (course.publish_solutions)")
    code = re.findall(r"<pre>(.*?)</pre>", page.read_text(encoding="utf-8"), re.S)
    assert code, f"{page.name} shows no code"
    found = sorted(set(MARKUP.findall(re.sub(r"<[^>]+>", "", "\n".join(code)))))
    assert not found, f"{page.name} shows the generator's markup: {found}"

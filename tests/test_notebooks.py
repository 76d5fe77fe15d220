"""Course notebooks: listed in the book, committed clean, executed without warnings.

Execution itself is tested by nbval (`make test` runs `pytest --nbval-lax` on every
notebook); this file checks the rest.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from conftest import ROOT, course_notebooks, toc_files

NOTEBOOKS = course_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
WARNING_RE = re.compile(r"\b(DeprecationWarning|FutureWarning|PendingDeprecationWarning)\b")


def test_there_are_notebooks():
    assert any(p.parent.name == "lectures" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_in_the_table_of_contents(path):
    stem = str(path.relative_to(ROOT).with_suffix(""))
    assert stem in toc_files(), f"{stem} is not listed in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_names_follow_the_week_convention(path):
    assert re.fullmatch(r"\d\d-[a-z0-9-]+\.ipynb", path.name), path.name
    # a week's three notebooks share one stem: every lecture, exercise and solution has the others
    for folder in ("lectures", "exercises", "solutions"):
        assert (ROOT / folder / path.name).exists(), f"{path.parent.name}/{path.name} has no {folder}/{path.name}"
    weeks = [p.name[:2] for p in (ROOT / path.parent.name).glob("*.ipynb")]
    assert weeks.count(path.name[:2]) == 1, f"two {path.parent.name} notebooks of week {path.name[:2]}"


def executed(path):
    """The executed notebook from the book's jupyter-cache (filled by `make book`)."""
    from jupyter_cache import get_cache

    cache_dir = ROOT / "_build" / ".jupyter_cache"
    if not cache_dir.exists():
        pytest.skip("no execution cache: run `make book` first (make test does)")
    cache = get_cache(str(cache_dir))
    nb = nbformat.read(path, as_version=4)
    try:
        _, merged = cache.merge_match_into_notebook(nb)
    except KeyError:
        pytest.fail(f"{path.name} has no executed copy in the cache: the build did not run it")
    return merged


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_outputs_have_no_deprecation_or_future_warnings(path):
    merged = executed(path)
    found = []
    for i, cell in enumerate(merged.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") + json.dumps(out.get("data", {})) + str(out.get("traceback", ""))
            if WARNING_RE.search(text):
                found.append((i, WARNING_RE.search(text).group(0)))
    assert not found, f"{path.name}: warnings in executed cells (cell index, kind): {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_schedule_links_every_notebook_and_deck(path):
    schedule = (ROOT / "book" / "schedule.md").read_text()
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "solutions":  # raw HTML link, hidden when solutions are unpublished
        assert f'href="../solutions/{path.stem}.html"' in schedule, f"schedule does not link {rel}"
    else:
        assert f"(../{rel})" in schedule, f"book/schedule.md does not link {rel}"
    if rel.parts[0] == "lectures":
        assert f'href="../slides/{path.stem}.html"' in schedule, f"schedule does not link the deck of {rel}"

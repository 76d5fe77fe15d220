"""Incremental builds: an edit shows up in the page and the deck, and nothing else is rebuilt.

A small book with two lectures is built with the course's build (tools/build.py and the decks);
then one lecture's markdown cell is edited and the book rebuilt; then one of its code cells.  Each
time the edited lecture's page and deck show the change, the other lecture's page and deck are not
written again, and a markdown edit re-executes nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import BUILD_INPUTS, ROOT

# slow (whole builds of small books): re-run only when the build's inputs change
pytestmark = pytest.mark.cached_by(*BUILD_INPUTS)

TOC = "format: jb-book\nroot: intro\nchapters:\n  - file: lectures/01-alpha\n  - file: lectures/02-beta\n"


def lecture(title: str, text: str, code: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nA tiny lecture."),
             nbformat.v4.new_markdown_cell("## Learning objectives\n\n- see an edit"),
             nbformat.v4.new_markdown_cell(f"## Content\n\n{text}"),
             nbformat.v4.new_code_cell(code),
             nbformat.v4.new_markdown_cell("## Summary\n\n- done")]
    types = ["slide", "slide", "slide", "-", "slide"]
    for cell, kind in zip(cells, types):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nb.cells = cells
    return nb


def build(book):
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "build.py"), "--root", str(book)],
                         capture_output=True, text=True, timeout=600, cwd=book)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    if not (ROOT / "_vendor" / "reveal.js").exists():
        pytest.skip("front-end assets missing: run `make vendor`")
    book = tmp_path_factory.mktemp("book")
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "_vendor").symlink_to(ROOT / "_vendor")
    (book / "assets").symlink_to(ROOT / "assets")
    (book / "intro.md").write_text("# A test book\n\nTwo lectures.\n")
    (book / "_toc.yml").write_text(TOC)
    (book / "lectures").mkdir()
    nbformat.write(lecture("Week 1: Alpha", "first words", "print('alpha output 1')"),
                   book / "lectures" / "01-alpha.ipynb")
    nbformat.write(lecture("Week 2: Beta", "beta words", "print('beta output')"),
                   book / "lectures" / "02-beta.ipynb")
    build(book)
    return book


def outputs(book):
    html = book / "_build" / "html"
    return {name: html / rel for name, rel in [
        ("alpha page", "lectures/01-alpha.html"), ("alpha deck", "slides/01-alpha.html"),
        ("beta page", "lectures/02-beta.html"), ("beta deck", "slides/02-beta.html")]}


def edit(book, text=None, code=None):
    path = book / "lectures" / "01-alpha.ipynb"
    nb = nbformat.read(path, as_version=4)
    if text:
        nb.cells[2].source = f"## Content\n\n{text}"
    if code:
        nb.cells[3].source = code
    nbformat.write(nb, path)


def test_a_markdown_edit_rebuilds_that_page_and_deck_only(book):
    files = outputs(book)
    before = {k: p.stat().st_mtime_ns for k, p in files.items()}
    edit(book, text="words edited by the author")
    log = build(book)
    assert "pre-executed 0 notebook" in log, "a markdown edit re-executed a notebook"
    for name in ("alpha page", "alpha deck"):
        assert "words edited by the author" in files[name].read_text(), f"the {name} is stale"
    for name in ("beta page", "beta deck"):
        assert files[name].stat().st_mtime_ns == before[name], f"the {name} was rebuilt"
    assert "kept" in log and "02-beta" in log


def test_a_code_edit_reexecutes_that_notebook_only(book):
    files = outputs(book)
    before = {k: p.stat().st_mtime_ns for k, p in files.items()}
    edit(book, code="print('alpha output 2')")
    log = build(book)
    assert "pre-executed 1 notebook" in log, log[-2000:]
    for name in ("alpha page", "alpha deck"):
        assert "alpha output 2" in files[name].read_text(), f"the {name} shows the old output"
    for name in ("beta page", "beta deck"):
        assert files[name].stat().st_mtime_ns == before[name], f"the {name} was rebuilt"


def test_nothing_changed_rebuilds_nothing(book):
    files = outputs(book)
    before = {k: p.stat().st_mtime_ns for k, p in files.items()}
    log = build(book)
    assert "pre-executed 0 notebook" in log
    assert all(files[k].stat().st_mtime_ns == before[k] for k in files), "an unchanged output was rewritten"

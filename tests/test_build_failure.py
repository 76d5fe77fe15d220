"""The failure path of the build: a broken notebook fails `tools/build.py`, naming it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest

from conftest import BUILD_INPUTS, ROOT

# slow (whole builds of small books): re-run only when the build's inputs change
pytestmark = pytest.mark.cached_by(*BUILD_INPUTS)

TOC = textwrap.dedent("""\
    format: jb-book
    root: intro
    chapters:
      - file: {name}
    """)


def make_book(tmp_path, name, cells):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "_vendor").symlink_to(ROOT / "_vendor")
    (tmp_path / "assets").symlink_to(ROOT / "assets")
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "intro.md").write_text("# A test book\n\nOne page.\n")
    (tmp_path / "_toc.yml").write_text(TOC.format(name=name))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook")] + cells
    nbformat.write(nb, tmp_path / f"{name}.ipynb")


def build(tmp_path):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "build.py"), "--root", str(tmp_path),
                           "--no-slides"], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def vendor():
    if not (ROOT / "_vendor" / "mathjax").exists():
        pytest.skip("front-end assets missing: run `make vendor`")


def test_a_broken_notebook_fails_the_build_and_is_named(tmp_path, vendor):
    cell = nbformat.v4.new_code_cell("x = 1\nraise ValueError('deliberately broken cell')")
    make_book(tmp_path, "broken_notebook", [nbformat.v4.new_code_cell("print('fine')"), cell])
    result = build(tmp_path)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log[-3000:]
    assert "FAILED notebook broken_notebook.ipynb" in result.stderr
    assert "deliberately broken cell" in log  # the failing cell and its error are shown


def test_a_cell_tagged_raises_exception_is_allowed(tmp_path, vendor):
    cell = nbformat.v4.new_code_cell("raise ValueError('this error is the lesson')")
    cell.metadata["tags"] = ["raises-exception"]
    make_book(tmp_path, "teaches_an_error", [cell, nbformat.v4.new_code_cell("print('goes on')")])
    result = build(tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert (tmp_path / "_build" / "html" / "teaches_an_error.html").exists()


def test_unpublished_solutions_are_left_out(tmp_path, vendor):
    make_book(tmp_path, "exercises/01-demo", [nbformat.v4.new_code_cell("print('exercise')")])
    (tmp_path / "solutions").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Solution"), nbformat.v4.new_code_cell("print(42)")]
    nbformat.write(nb, tmp_path / "solutions" / "01-demo.ipynb")
    (tmp_path / "intro.md").write_text(
        '# A test book\n\n<a class="qbi-solution" href="solutions/01-demo.html">solution</a>\n')
    (tmp_path / "_toc.yml").write_text(TOC.format(name="exercises/01-demo")
                                       + "  - file: solutions/01-demo\n")
    config = (tmp_path / "_config.yml").read_text()
    assert "publish_solutions: true" in config
    (tmp_path / "_config.yml").write_text(config.replace("publish_solutions: true",
                                                         "publish_solutions: false"))
    result = build(tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    html = tmp_path / "_build" / "html"
    assert (html / "exercises" / "01-demo.html").exists()
    assert not (html / "solutions" / "01-demo.html").exists()
    intro = (html / "intro.html").read_text()
    assert "solution (released later)" in intro and 'href="solutions/01-demo.html"' not in intro
    assert "_toc" not in " ".join(p.name for p in tmp_path.glob("tmp*.yml"))  # temp toc removed

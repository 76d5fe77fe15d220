"""Lecture notebooks follow the course conventions (CONTRIBUTING.md)."""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT

LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))
IDS = [p.name for p in LECTURES]


def headings(nb):
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        in_code = False
        for line in cell.source.splitlines():
            if line.startswith("```"):
                in_code = not in_code
            m = re.match(r"^(#{1,6})\s+(.*)", line)
            if m and not in_code:
                yield len(m.group(1)), m.group(2).strip()


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_objectives_first_summary_last_and_ordered_headings(path):
    nb = nbformat.read(path, as_version=4)
    hs = list(headings(nb))
    assert hs[0][0] == 1 and sum(1 for level, _ in hs if level == 1) == 1, "exactly one H1, first"
    assert "learning objectives" in hs[1][1].lower(), "the first section is the learning objectives"
    h2 = [title.lower() for level, title in hs if level == 2]
    assert any("summary" in t for t in h2[-2:]), "a Summary section at the end"
    previous = 1
    for level, title in hs[1:]:
        assert level <= previous + 1, f"heading level jumps to H{level} at {title!r}"
        previous = level


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_every_cell_has_slide_metadata(path):
    nb = nbformat.read(path, as_version=4)
    allowed = {"slide", "subslide", "fragment", "-", "skip", "notes"}
    missing = [i for i, c in enumerate(nb.cells)
               if c.metadata.get("slideshow", {}).get("slide_type") not in allowed]
    assert not missing, f"cells without a valid slideshow.slide_type: {missing}"


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_random_generators_are_seeded(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code")
    assert "default_rng()" not in code, "np.random.default_rng() needs a seed"
    assert not re.search(r"np\.random\.(rand|randn|randint|random|normal|uniform|choice)\(", code), \
        "use a seeded Generator (rng = np.random.default_rng(seed)), not the global np.random"


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_widgets_have_a_static_fallback(path):
    nb = nbformat.read(path, as_version=4)
    widget_cells = [c for c in nb.cells if c.cell_type == "code"
                    and re.search(r"\binteract(ive|_manual)?\(|widgets\.", c.source)]
    assert widget_cells, "a lecture gives at least one parameter an ipywidgets control"
    for c in widget_cells:
        assert not re.search(r"\binteract\(|@interact\b(?!_)", c.source), \
            "use interact_manual, not interact: interact hangs the notebook build now and then"
        assert "remove-output" in c.metadata.get("tags", []), \
            f"widget cell must be tagged remove-output (the site shows its static figure): {c.source[:60]!r}"


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_figures_have_alt_text(path):
    """Every cell whose executed output shows an image carries alt text (mystnb.image.alt)."""
    from test_notebooks import executed

    merged = executed(path)
    no_alt = []
    n_figures = 0
    for i, cell in enumerate(merged.cells):
        if cell.cell_type != "code" or "remove-output" in cell.metadata.get("tags", []):
            continue
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            n_figures += 1
            if not cell.metadata.get("mystnb", {}).get("image", {}).get("alt"):
                no_alt.append(i)
    assert n_figures >= 5, f"only {n_figures} figures in the lecture"
    assert not no_alt, f"cells with a figure but no alt text (metadata mystnb.image.alt): {no_alt}"

"""Decks an instructor presents as they are (issue 17; qbi.deckfit, qbi.slides).

* Without a browser: the split planner and the "(continued)" slides it asks for.
* On the built site: the build laid every deck out in Chromium at 1280 x 720 and wrote what it
  measured beside the deck (``slides/.NN-slug.fit.json``): no slide below 90 % zoom, every
  slide titled, no code cell over the limit, no text under the navigation arrows, speaker notes
  in every section, tables without a pandas index and with readable numbers.
* In Debian's Chromium: the right arrow (and PageDown, what a presenter's clicker sends) walks
  one deck from the first slide to the last, through every vertical slide, in order.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from conftest import DECKS, HTML, ROOT

from qbi import deckfit, slides

LECTURES = slides.book_lectures(ROOT)
IDS = [p.stem for p in LECTURES]


def slide(h, v, zoom, cells, room=720, title="T", code=(), notes=False):
    return deckfit.Slide(h=h, v=v, zoom=zoom, need=max(c["top"] + c["height"] for c in cells),
                         room=room, title=title, code_lines=list(code), notes=notes,
                         code_px=None, covered=False, cells=cells)


def cells(*heights):
    out, top = [], 0
    for n, height in enumerate(heights):
        out.append({"id": f"c{n}", "top": top, "height": height})
        top += height
    return out


# --------------------------------------------------------------------------------------
# the planner
# --------------------------------------------------------------------------------------

def test_a_slide_that_fits_is_not_split():
    assert deckfit.plan_breaks([slide(1, 0, 1.0, cells(300, 300))]) == []
    # shrunk a little (>= 90 %): still left alone
    assert deckfit.plan_breaks([slide(1, 0, 0.92, cells(400, 380))]) == []


def test_an_overfull_slide_is_split_so_every_part_fits():
    tall = slide(2, 0, 0.7, cells(70, 400, 300, 250, 200))
    breaks = deckfit.plan_breaks([tall])
    assert breaks, "a slide at 70 % must be split"
    # replay the parts: each fits the slide at full size (with a heading on continuations)
    parts, current = [], []
    for cell in tall.cells:
        if cell["id"] in breaks:
            parts.append(current)
            current = []
        current.append(cell)
    parts.append(current)
    for n, part in enumerate(parts):
        height = sum(c["height"] for c in part) + (deckfit.HEADING_ROOM if n else 0)
        assert height <= tall.room, (n, height)
    assert "c0" not in breaks, "never a break before the first cell"


def test_problems_name_the_slide_and_what_to_do():
    report = deckfit.problems([slide(3, 1, 0.75, cells(900), title="Summary"),
                               slide(4, 0, 1.0, cells(100), title=""),
                               slide(5, 0, 1.0, cells(100), code=[12])], max_code=8)
    text = "\n".join(report)
    assert "slide #4.2 'Summary' is shrunk to 75%" in text and "c0 is 900 px" in text
    assert "slide #5 has no title" in text
    assert "shows 12 lines of code (at most 8)" in text


def test_a_break_starts_a_continued_slide():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Week 1: T\n\nSub."),
                nbformat.v4.new_markdown_cell("## Section\n\nText."),
                nbformat.v4.new_markdown_cell("More text.")]
    nb.cells[1].metadata["slideshow"] = {"slide_type": "slide"}
    nb.cells[2].metadata["slideshow"] = {"slide_type": "-"}
    prepared, _ = slides.prepare(nb, Path("lectures/01-x.ipynb"), breaks={nb.cells[2].id})
    kinds = [(c.metadata["slideshow"]["slide_type"], c.source.splitlines()[0]) for c in
             prepared.cells]
    assert ("subslide", "### Section (continued)") in kinds
    assert kinds[-1] == ("-", "More text.")


# --------------------------------------------------------------------------------------
# the built decks
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built() -> Path:
    if not (HTML / "slides").exists():
        pytest.skip("the site is not built: run `make book`")
    return HTML


def fit_report(site: Path, path: Path) -> dict:
    report = site / "slides" / f".{path.stem}.fit.json"
    assert report.exists(), (f"{report.name} is missing: the deck was built without the layout "
                             "check (no Chromium?); `make book` installs Debian's chromium")
    return json.loads(report.read_text())


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_every_slide_is_readable_as_built(built, path):
    report = fit_report(built, path)
    stats = report["stats"]
    deck = (built / "slides" / f"{path.stem}.html").read_text(encoding="utf-8")
    assert stats["slides"] == slides.count_slides(deck), "the layout report is stale"
    assert report["problems"] == []
    assert stats["below_90"] == 0 and stats["min_zoom"] >= deckfit.MIN_ZOOM
    assert stats["untitled"] == 0 and stats["code_heavy"] == 0 and stats["covered"] == 0


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_every_section_has_speaker_notes(built, path):
    sections: dict[int, list[dict]] = {}
    for s in fit_report(built, path)["slides"]:
        sections.setdefault(s["h"], []).append(s)
    silent = [f"#{h + 1} '{group[0]['title'][:40]}'" for h, group in sorted(sections.items())
              if h > 0 and not any(s["notes"] for s in group)]
    assert not silent, f"sections without speaker notes: {silent}"


TABLE = re.compile(r"<table\b.*?</table>", re.S)
CELL = re.compile(r"<td\b[^>]*>(.*?)</td>", re.S)


def long_numbers(text: str) -> list[str]:
    """Numbers a reader cannot take in at a glance: more than 4 significant digits after the
    point, or 5+ digits without thousands separators."""
    bad = []
    for number in re.findall(r"(?<![\w.,])-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])", text):
        digits = number.lstrip("-")
        if "e" in digits.lower():
            continue
        whole, _, frac = digits.partition(".")
        significant = (whole.replace(",", "").lstrip("0") + frac).lstrip("0")
        if frac and len(significant) > 4:
            bad.append(number)
        elif "," not in whole and len(whole) >= 5:
            bad.append(number)
    return bad


def test_long_numbers_rule():
    assert long_numbers("0.95 12,345 0.0034 3.14 2026") == []
    assert long_numbers("0.954321 123456 12.3456") == ["0.954321", "123456", "12.3456"]


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_deck_tables_look_like_tables(built, path):
    deck = (built / "slides" / f"{path.stem}.html").read_text(encoding="utf-8")
    deck = re.sub(r'<aside class="notes">.*?</aside>', "", deck, flags=re.S)
    for n, table in enumerate(TABLE.findall(deck), 1):
        assert not re.search(r"<tbody>\s*<tr[^>]*>\s*<th", table), \
            f"table {n} shows the pandas index: {html.unescape(re.sub('<[^>]+>', ' ', table))[:160]}"
        for cell in CELL.findall(table):
            text = html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            assert not long_numbers(text), f"table {n}: {text!r}: round to 2-3 significant figures"


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_no_function_repr_or_notebook_wording_on_slides(built, path):
    deck = (built / "slides" / f"{path.stem}.html").read_text(encoding="utf-8")
    shown = re.sub(r'<aside class="notes">.*?</aside>', "", deck, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", shown))
    assert "<function " not in text, "a stray function repr (write `_ = interact_manual(...)`)"
    wording = re.findall(r"(?i)\b(?:the (?:cell|code|output) (?:above|below)|"
                         r"(?:run|execute) the (?:next|following) cells?|next cell)\b", text)
    assert not wording, f"notebook wording on slides: {wording}"


# --------------------------------------------------------------------------------------
# a presenter's keyboard, in Chromium
# --------------------------------------------------------------------------------------

@pytest.mark.cached_by(*DECKS)
@pytest.mark.parametrize("key", ["ArrowRight", "PageDown"])
def test_the_right_arrow_walks_every_slide_in_order(built, key):
    from playwright.sync_api import sync_playwright

    path = next((p for p in LECTURES if "(continued)" in
                 (built / "slides" / f"{p.stem}.html").read_text(encoding="utf-8")), LECTURES[0])
    deck = built / "slides" / f"{path.stem}.html"
    with sync_playwright() as pw:
        chrome = deckfit._launch(pw, None)
        try:
            page = chrome.new_page(viewport={"width": slides.WIDTH, "height": slides.HEIGHT})
            page.goto(deck.resolve().as_uri(), wait_until="load")
            page.wait_for_function("window.Reveal && Reveal.isReady && Reveal.isReady()",
                                   timeout=30000)
            page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
            order = page.evaluate("Reveal.getSlides().map(s => { const i = Reveal.getIndices(s);"
                                  " return [i.h, i.v || 0]; })")
            seen = [page.evaluate("[Reveal.getIndices().h, Reveal.getIndices().v || 0]")]
            for _ in range(4 * len(order)):
                if seen[-1] == order[-1]:
                    break
                page.keyboard.press(key)
                here = page.evaluate("[Reveal.getIndices().h, Reveal.getIndices().v || 0]")
                if here != seen[-1]:
                    seen.append(here)
        finally:
            chrome.close()
    assert any(v for _, v in order), f"{path.stem} has no vertical slide to walk through"
    assert seen == order, (f"{key} visited {len(seen)} of {len(order)} slides; first "
                           f"difference at step {next((i for i, (a, b) in enumerate(zip(seen, order)) if a != b), len(seen))}")


def test_show_table_hides_the_index_and_rounds():
    import pandas as pd

    from qbi.plotting import show_table, significant

    assert [significant(v) for v in (0.012345, 3.14159, 123456.7, 7, 12.0)] == \
        ["0.0123", "3.14", "123,457", "7", "12"]
    table = show_table(pd.DataFrame({"method": ["mean", "median"], "time (s)": [0.01234, 12.3456],
                                     "pixels": [123456, 7]})).to_html()
    body = table.split("<tbody>")[1]
    assert "<th" not in body, "the index is shown"
    cells = [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body)]
    assert cells == ["mean", "0.0123", "123,456", "median", "12.3", "7"]
    assert all(not long_numbers(c) for c in cells)
    assert "text-align: left" in table

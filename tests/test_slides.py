"""The lecture slide decks (qbi.slides, CONTRIBUTING.md, book/presenting.md).

* Without a build: the deck builder on a small notebook, and the authoring conventions of every
  lecture notebook (``python -m qbi slides --check`` says the same).
* On the built site (``make book``; skipped only when ``_build/html`` does not exist): every
  lecture has a deck with a title slide and 15 to 80 slides, in step with its notebook; no slide
  shows a code cell longer than the convention allows; no deck loads anything from another host;
  the lecture page links to its deck.
* In Debian's Chromium (``/usr/bin/chromium``, driven by playwright; never a downloaded browser):
  every deck is opened from a local web server and stepped through with ``Reveal.next()``; the
  math is typeset, every figure is displayed and fits the 16:9 slide, code does not scroll
  sideways, and no request leaves 127.0.0.1.  The PDF export of book/presenting.md works.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import threading
import warnings
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from conftest import DECKS, HTML, ROOT

from qbi import slides

LECTURES = slides.book_lectures(ROOT)       # the lectures listed in _toc.yml
IDS = [p.stem for p in LECTURES]
CHROMIUM = os.environ.get("QBI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

def md(source, kind="-", **meta):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["slideshow"] = {"slide_type": kind}
    cell.metadata.update(meta)
    return cell


def code(source, kind="-", tags=(), outputs=(), alt=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["slideshow"] = {"slide_type": kind}
    if tags:
        cell.metadata["tags"] = list(tags)
    if alt:
        cell.metadata["mystnb"] = {"image": {"alt": alt}}
    cell.outputs = list(outputs)
    return cell


PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
           "RU5ErkJggg==")


def small_lecture():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [
        md("# Images and numbers\n\nWhat an image is.", "slide"),
        code("import numpy as np  # SETUP-CELL", "skip"),
        md("## Learning objectives\n\n- one $x^2$\n- two", "slide"),
        md("Speaker prose that is far too long for a slide. " * 5, "notes"),
        md("### Detail\n\n```{note}\nA **MyST** note with {math}`a^2`.\n```\n\n(my-label)=\n"
           "See {doc}`the setup <../book/setup>`.", "subslide"),
        md("- appears later", "fragment"),
        code("plt.imshow(img)", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"})],
            alt="a one-pixel image"),
        code("widgets.IntSlider()", tags=["remove-output"], outputs=[nbformat.v4.new_output(
            "display_data", data={slides.WIDGET_MIME: {"model_id": "x"}, "text/plain": "S"})]),
        code("print('hidden code')  # HIDDEN-INPUT", tags=["remove-input"], outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="shown output\n")]),
        code("secret = 1  # REMOVED-CELL", tags=["remove-cell"]),
        md("## Summary", "slide"),
    ]
    return nb


def external_references(text: str) -> list[str]:
    """URLs on another host that a page would load: script/link/img/iframe/source sources,
    CSS @import and url(), ES module imports.  Comments are ignored; data: URIs are local."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)          # CSS / JS block comments
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    refs = re.findall(r"<(?:script|img|iframe|source|embed|video|audio)\b[^>]*?\bsrc\s*=\s*"
                      r"[\"']([^\"']+)", text, flags=re.I)
    refs += re.findall(r"<link\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)", text, flags=re.I)
    refs += re.findall(r"@import\s+(?:url\()?\s*[\"']?([^\"')\s;]+)", text)
    refs += re.findall(r"url\(\s*[\"']?([^\"')\s]+)", text)
    refs += re.findall(r"\bimport\s+[^;]*?\bfrom\s+[\"']([^\"']+)", text)
    refs += re.findall(r"\bimport\(\s*[\"']([^\"']+)", text)
    return [r for r in refs if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", r, flags=re.I)
            and not r.startswith("data:")]


def local_references(text: str) -> list[str]:
    refs = re.findall(r"<(?:script|img)\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)", text, flags=re.I)
    refs += re.findall(r"<link\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)", text, flags=re.I)
    return [r for r in refs if not re.match(r"^[a-z][a-z0-9+.-]*:", r, flags=re.I)]


def deck_code_cells(deck_html: str) -> list[str]:
    """The code (input) of every code cell shown on a slide (not in speaker notes)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(deck_html, "html.parser")
    out = []
    for cell in soup.select("div.jp-CodeCell"):
        if cell.find_parent("aside", class_="notes"):
            continue
        pre = cell.select_one(".jp-InputArea-editor pre")
        if pre is not None:
            out.append(pre.get_text())
    return out


def h2_titles(nb) -> list[str]:
    return [text for cell in nb.cells if cell.cell_type == "markdown"
            and slides.slide_type(cell) in slides.SHOWN
            for level, text in slides._headings(cell.source) if level == 2]


def plain(text: str) -> str:
    """Heading text without markdown/MyST/math markup, for comparing notebook and deck."""
    text = slides._roles(text)
    text = re.sub(r"\$[^$]*\$|`[^`]*`|[*_\[\]()#]|\s+", " ", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------------------
# the builder, without a built site
# --------------------------------------------------------------------------------------

def test_small_lecture_becomes_an_offline_deck(tmp_path):
    path = tmp_path / "07-images-and-numbers.ipynb"
    prepared, lecture = slides.prepare(small_lecture(), path)
    assert (lecture.week, lecture.title) == (7, "Images and numbers")
    deck = slides.render(prepared, lecture, "../_static")
    title = re.search(r'<div class="qbi-title">(.*?)</div>', deck, re.S).group(1)
    for text in ("Quantitative Big Imaging", "Week 7", "Images and numbers",
                 "ETH Zurich 227-0966-00L", "What an image is."):
        assert text in title
    assert deck.index('class="qbi-title"') < deck.index("Learning objectives")
    assert "SETUP-CELL" not in deck and "REMOVED-CELL" not in deck
    assert "HIDDEN-INPUT" not in deck and "shown output" in deck
    assert re.search(r'<aside class="notes">.*?far too long', deck, re.S)
    assert 'class="fragment"' in deck
    assert 'alt="a one-pixel image"' in deck
    assert slides.WIDGET_MIME not in deck and "widget-state" not in deck
    assert '<div class="admonition note">' in deck and "$a^2$" in deck
    assert "{doc}" not in deck and "(my-label)=" not in deck and ">the setup<" not in deck
    assert "See the setup." in deck
    assert slides.count_slides(deck) == 4      # title, objectives, detail, summary
    assert external_references(deck) == []
    assert {"../_static/reveal.js/dist/reveal.css", "../_static/require.js",
            "../_static/jquery.min.js",
            "../_static/mathjax2/MathJax.js?config=TeX-AMS_CHTML"} <= set(local_references(deck))


def test_conventions_checker_names_each_broken_rule():
    nb = nbformat.v4.new_notebook()
    long_code = "\n".join(f"x{i} = {i}" for i in range(slides.MAX_CODE_LINES + 1))
    nb.cells = [
        md("## Not a title", "slide"),
        md("# Title", "-"),
        md("## Section", "-"),
        md("### Subsection", "fragment"),
        nbformat.v4.new_markdown_cell("no metadata"),
        code(long_code),
        code("y = '" + "a" * slides.MAX_LINE_CHARS + "'"),
        code("fig, ax = plt.subplots(figsize=(12, 4))", "skip"),
        code("w = widgets.IntSlider()", outputs=[nbformat.v4.new_output(
            "display_data", data={slides.WIDGET_MIME: {}, "text/plain": "w"})]),
        code("plt.show()", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": PNG_1PX})]),
        code(long_code, "skip"),                      # fine: skipped
        code(long_code, "notes"),                     # fine: in the notes
    ]
    problems = "\n".join(slides.check_conventions(nb))
    for expected in ("cell 2 (markdown): starts a section (##) but is '-'",
                     "cell 3 (markdown): starts a subsection (###) but is 'fragment'",
                     "cell 4 (markdown): no slide type",
                     f"cell 5 (code): {slides.MAX_CODE_LINES + 1} lines of code on a slide",
                     "cell 6 (code): line(s) [1] longer than",
                     "cell 7 (code): figsize=(12, 4) is larger than",
                     "cell 8 (code): shows a widget",
                     "cell 9 (code): a figure without alt text",
                     "the H1 heading must be in the first cell"):
        assert expected in problems
    assert "cell 10" not in problems and "cell 11" not in problems
    good = small_lecture()
    assert slides.check_conventions(good) == []


def test_myst_rewrites():
    out = slides.myst_to_markdown(
        "(target)=\n$$ a = b $$ (eq-one)\n\n:::{warning} Careful\nText {term}`pixel`.\n:::\n\n"
        "```{math}\nx^2\n```\n\nA {ref}`section <target>` and {eq}`eq-one`.")
    assert "(target)=" not in out and "(eq-one)" not in out and "$$ a = b $$" in out
    assert '<div class="admonition warning"><p class="admonition-title">Careful</p>' in out
    assert "Text pixel." in out and "$$\nx^2\n$$" in out and "A section and eq-one." in out


def test_command_fails_clearly_without_a_book_build(tmp_path, capsys):
    (tmp_path / "lectures").mkdir()
    nbformat.write(small_lecture(), tmp_path / "lectures" / "01-x.ipynb")
    assert slides.main(["--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "the book is not built" in err and "make book" in err and "--execute" in err


# --------------------------------------------------------------------------------------
# the lecture notebooks follow the authoring conventions
# --------------------------------------------------------------------------------------

def executed_or_source(path: Path):
    cache = ROOT / "_build" / ".jupyter_cache"
    return slides.cached_notebook(path, cache) or nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_lecture_follows_the_slide_conventions(path):
    problems = slides.check_conventions(executed_or_source(path))
    assert not problems, f"{path.name} breaks CONTRIBUTING.md:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------------------
# the built decks
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built() -> Path:
    if not HTML.exists():
        pytest.skip("the site is not built (no _build/html): run `make book`")
    return HTML


def deck_of(site: Path, path: Path) -> str:
    deck = site / "slides" / f"{path.stem}.html"
    assert deck.exists(), f"no deck {deck.relative_to(ROOT)}: run `make book`"
    return deck.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_deck_has_a_title_slide_and_a_sensible_length(built, path):
    deck = deck_of(built, path)
    first = re.search(r"<section\b[^>]*>\s*<section\b[^>]*>(.*?)</section>", deck, re.S).group(1)
    h1 = re.search(r"^#\s+(.+)$", nbformat.read(path, as_version=4).cells[0].source, re.M)
    title = plain(slides.clean_title(h1.group(1)))
    assert 'class="qbi-title"' in first
    for text in (slides.COURSE, f"Week {slides.week_of(path)}", slides.INSTITUTION):
        assert text in first, f"the title slide lacks {text!r}"
    assert title in plain(html.unescape(re.sub(r"<[^>]+>", " ", first)))
    n = slides.count_slides(deck)
    assert slides.MIN_SLIDES <= n <= slides.MAX_SLIDES, f"{n} slides"


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_deck_is_in_step_with_its_notebook(built, path):
    """Every section (##) of the notebook is a slide of the deck, in the same order."""
    deck = plain(html.unescape(re.sub(r"<[^>]+>", " ", deck_of(built, path))))
    position = 0
    for heading in h2_titles(nbformat.read(path, as_version=4)):
        found = deck.find(plain(heading), position)
        assert found >= 0, f"section {heading!r} is not in the deck (stale deck? `make book`)"
        position = found


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_no_slide_shows_a_long_code_cell(built, path):
    cells = deck_code_cells(deck_of(built, path))
    assert cells, "the deck shows no code at all"
    for source in cells:
        lines = source.rstrip("\n").split("\n")
        assert len(lines) <= slides.MAX_CODE_LINES, f"{len(lines)} lines: {source[:80]!r}"
        assert max(map(len, lines)) <= slides.MAX_LINE_CHARS, f"long line in {source[:80]!r}"


def test_no_deck_loads_from_another_host(built):
    decks = sorted((built / "slides").glob("*.html"))
    assert decks, "no decks in _build/html/slides: run `make book`"
    for deck in decks:
        text = deck.read_text(encoding="utf-8")
        assert external_references(text) == [], deck.name
        for ref in local_references(text):
            target = (deck.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.exists(), f"{deck.name} references {ref}, which is not in the site"


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_lecture_page_links_to_its_deck(built, path):
    page = (built / "lectures" / f"{path.stem}.html").read_text(encoding="utf-8")
    assert f'href="../slides/{path.stem}.html"' in page


# --------------------------------------------------------------------------------------
# in a browser: Debian's Chromium, headless
# --------------------------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built):
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install "
                    "chromium; `make test` does it). Never a browser that a tool downloads.")
    return CHROMIUM


WALK_JS = """() => {
  // Step through the whole deck with Reveal.next(); on every step check the current slide.
  const steps = [];
  for (let i = 0; i < 3000; i++) {
    const slide = Reveal.getCurrentSlide();
    const scale = Reveal.getScale();
    const problems = [];
    for (const img of slide.querySelectorAll('img')) {
      if (!img.complete || img.naturalWidth === 0) problems.push('figure not displayed: ' + img.src.slice(0, 60));
      const r = img.getBoundingClientRect();
      if (r.width / scale > %(w)d + 1 || r.height / scale > %(h)d + 1) problems.push('figure larger than the slide');
    }
    for (const math of slide.querySelectorAll('.mjx-chtml')) {
      if (!math.closest('aside.notes, .fragment:not(.visible)') && math.getBoundingClientRect().width === 0)
        problems.push('math not displayed: ' + math.textContent.slice(0, 40));
    }
    for (const pre of slide.querySelectorAll('.jp-InputArea-editor pre')) {
      if (pre.scrollWidth > pre.clientWidth + 1) problems.push('code scrolls sideways: ' + pre.textContent.slice(0, 60));
    }
    const idx = Reveal.getIndices();
    // after the deck's own shrink-to-fit (down to 70 percent): does the slide still scroll?
    steps.push({h: idx.h, v: idx.v, problems: problems,
                overflow: slide.scrollHeight / slide.clientHeight - 1});
    if (Reveal.isLastSlide() && !Reveal.availableFragments().next) break;
    Reveal.next();
  }
  return steps;
}"""

VISIBLE_TEX_JS = """() => {
  const walker = document.createTreeWalker(document.querySelector('.reveal .slides'), NodeFilter.SHOW_TEXT);
  const raw = [];
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (parent.closest('script, style, pre, code, aside.notes')) continue;
    if (/\\$\\$|\\\\begin\\{|\\\\frac\\{/.test(node.textContent)) raw.push(node.textContent.trim().slice(0, 60));
  }
  return raw;
}"""


@pytest.mark.cached_by(*DECKS)
def test_decks_in_chromium(built, server, chromium):
    from playwright.sync_api import sync_playwright

    assert LECTURES, "no lectures"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for path in LECTURES:
                check_deck_in_browser(browser, server, path)
        finally:
            browser.close()


def check_deck_in_browser(browser, server, path):
    host = urlparse(server).netloc
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    requests, failures, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failures.append(r.url))
    page.on("response", lambda r: r.status >= 400 and failures.append(f"{r.status} {r.url}"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/slides/{path.stem}.html", wait_until="load")
    page.wait_for_function("window.Reveal && Reveal.isReady && Reveal.isReady()", timeout=20000)
    try:
        page.wait_for_function("document.documentElement.dataset.qbiMath === 'typeset'",
                               timeout=30000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError
        pytest.fail(f"{path.stem}: MathJax did not finish typesetting within 30 s "
                    f"(failed requests: {failures}, errors: {errors})")
    page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
    total = page.evaluate("Reveal.getTotalSlides()")
    seen, problems, tall = set(), [], []
    for step in page.evaluate(WALK_JS % {"w": slides.WIDTH, "h": slides.HEIGHT}):
        where = (step["h"], step["v"])
        seen.add(where)
        problems += [f"slide {where}: {p}" for p in step["problems"]]
        if step["overflow"] > 0.02 and where not in tall:
            tall.append(where)
    typeset = page.evaluate("document.querySelectorAll('.reveal .mjx-chtml').length")
    tex_errors = page.evaluate("document.querySelectorAll('.reveal .mjx-merror').length")
    raw_tex = page.evaluate(VISIBLE_TEX_JS)
    images = page.evaluate("[...document.querySelectorAll('.reveal img')]"
                           ".map(i => i.naturalWidth)")
    page.close()
    source = nbformat.read(path, as_version=4)
    has_math = any("$" in c.source for c in source.cells if c.cell_type == "markdown"
                   and slides.slide_type(c) in slides.SHOWN)
    name = path.stem
    assert len(seen) == total == slides.count_slides(deck_of(HTML, path)), \
        f"{name}: visited {len(seen)} of {total} slides"
    assert not errors, f"{name}: JavaScript errors: {errors}"
    assert not failures, f"{name}: failed requests: {failures}"
    offsite = [u for u in requests if not u.startswith("data:") and urlparse(u).netloc != host]
    assert not offsite, f"{name}: requests to other hosts: {offsite}"
    if has_math:
        assert typeset > 0, f"{name}: the math was not typeset"
    assert tex_errors == 0, f"{name}: {tex_errors} TeX errors"
    assert not raw_tex, f"{name}: untypeset TeX on the slides: {raw_tex}"
    assert images and all(w > 0 for w in images), f"{name}: figures missing: {images}"
    assert not problems, f"{name}: " + "; ".join(problems)
    if tall:
        warnings.warn(f"{name}: slides (h, v) {tall} do not fit the 16:9 screen even shrunk to "
                      "70 % (they scroll): split them, or move prose to the notes")


@pytest.mark.cached_by(*DECKS)
def test_pdf_export_as_documented(built, chromium, tmp_path, monkeypatch, capsys):
    """book/presenting.md: `python -m qbi slides --pdf NN` prints the deck, one 16:9 page per
    slide, with the math typeset (here into a temporary folder, not the site)."""
    path = LECTURES[0] if LECTURES else pytest.skip("no lectures")
    monkeypatch.setenv("QBI_CHROMIUM", chromium)
    status = slides.main(["--root", str(ROOT), "--out", str(tmp_path), "--no-link", "--pdf",
                          path.stem])
    assert status == 0, capsys.readouterr().err
    data = (tmp_path / f"{path.stem}.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert pages == slides.count_slides(deck_of(built, path)), f"{pages} PDF pages"
    width, height = map(float, re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", data).groups())
    assert abs(width / height - 16 / 9) < 0.02


def test_glued_numbers_show_in_the_deck():
    """Numbers glued with MyST-NB (stored as papermill records) replace their roles on slides."""
    import nbformat

    from qbi.slides import glue_values, substitute_glue

    cell = nbformat.v4.new_code_cell("glue('p', 0.0412, display=False)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "application/papermill.record/text/plain": "0.0412"}, metadata={"scrapbook": {"name": "p"}})]
    nb = nbformat.v4.new_notebook(cells=[cell])
    values = glue_values(nb)
    assert values == {"p": "0.0412"} and nb.cells[0].outputs == []
    assert substitute_glue("p = {glue:text}`p:.3f`, {glue:}`p`", values) == "p = 0.041, 0.0412"


def test_a_slide_without_a_heading_gets_the_title_it_continues():
    import nbformat

    from qbi.slides import titled

    def cell(kind, source, code=False):
        c = (nbformat.v4.new_code_cell if code else nbformat.v4.new_markdown_cell)(source)
        c.metadata["slideshow"] = {"slide_type": kind}
        return c

    cells = titled([cell("slide", "## Thresholds\n\ntext"), cell("subslide", "plt.imshow(x)", code=True),
                    cell("subslide", "More words"), cell("subslide", "### Otsu"), cell("-", "text")])
    heads = [c.source for c in cells if c.cell_type == "markdown" and c.source.startswith("#")]
    assert heads == ["## Thresholds\n\ntext", "### Thresholds (continued)", "### Thresholds (continued)",
                     "### Otsu"]
    assert [c.metadata["slideshow"]["slide_type"] for c in cells][1:3] == ["subslide", "-"]

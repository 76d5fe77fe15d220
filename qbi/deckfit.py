"""Lay a slide deck out in a browser and say what a projector would show.

The deck builder (``qbi.slides``) cannot know from the notebook how tall a slide will be:
fonts, typeset math, wrapped lines and figures decide that.  This module opens a built deck
in Debian's Chromium at the deck's own size (1280 x 720), visits every slide and measures

* the zoom the slide needs to fit (1 = fits; the build fails below ``MIN_ZOOM``),
* its title (every slide has one), the code lines it shows and whether it has speaker notes,
* the notebook cells it holds (their ids and heights), so that an overfull slide can be
  split between two cells into a "(continued)" slide: :func:`plan_breaks`.

Everything runs on the local file; nothing is fetched from another host.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MIN_ZOOM = 0.9          # no slide is shrunk below this: readable from the back of the hall
HEADING_ROOM = 80       # px a "(continued)" heading takes on a slide split off another

MEASURE_JS = r"""async () => {
  const room = Reveal.getConfig().height;
  const out = [];
  const visible = el => !el.closest('aside.notes');
  for (const slide of Reveal.getSlides()) {
    const idx = Reveal.getIndices(slide);
    Reveal.slide(idx.h, idx.v);
    await new Promise(r => requestAnimationFrame(() => r()));
    const zoom = parseFloat(slide.dataset.qbiFit || '1');
    // what the slide needs at full size, after the deck's own figure fitting
    slide.style.zoom = 1;
    let need = 0;
    const cells = [];
    for (const child of slide.children) {
      if (child.offsetParent === slide) need = Math.max(need, child.offsetTop + child.offsetHeight);
    }
    for (const cell of slide.querySelectorAll('.jp-Cell')) {   // fragments hold cells too
      if (cell.offsetParent !== slide || !visible(cell)) continue;
      cells.push({id: (cell.id || '').replace(/^cell-id=/, ''), top: cell.offsetTop,
                  height: cell.offsetHeight});
    }
    need = Math.max(need, slide.scrollHeight > room + 2 ? slide.scrollHeight : 0);
    if (zoom < 1) slide.style.zoom = zoom;
    const heads = [...slide.querySelectorAll('h1, h2, h3, h4')].filter(visible);
    const code = [...slide.querySelectorAll('.jp-InputArea-editor pre')].filter(visible)
      .map(p => p.textContent.replace(/\n$/, '').split('\n').length);
    const notes = slide.querySelector('aside.notes');
    let smallest = 100;
    for (const pre of slide.querySelectorAll('.jp-InputArea-editor pre')) {
      if (visible(pre)) smallest = Math.min(smallest, parseFloat(getComputedStyle(pre).fontSize) * zoom);
    }
    // the navigation arrows (bottom right) must not cover text
    const ctrl = document.querySelector('.reveal .controls');
    let covered = false;
    if (ctrl && getComputedStyle(ctrl).display !== 'none') {
      const c = ctrl.getBoundingClientRect();
      const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
      while (walker.nextNode() && !covered) {
        const node = walker.currentNode;
        if (!node.textContent.trim() || !visible(node.parentElement)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) {
          if (r.width > 0 && r.right > c.left && r.left < c.right && r.bottom > c.top && r.top < c.bottom) {
            covered = true; break;
          }
        }
      }
    }
    out.push({h: idx.h, v: idx.v || 0, zoom: zoom, need: need, room: room,
              title: heads.length ? heads[0].textContent.trim() : '',
              code_lines: code, notes: !!(notes && notes.textContent.trim()),
              code_px: smallest === 100 ? null : smallest,
              covered: covered, cells: cells});
  }
  return out;
}"""


@dataclass
class Slide:
    h: int
    v: int
    zoom: float
    need: float
    room: float
    title: str
    code_lines: list[int]
    notes: bool
    code_px: float | None
    covered: bool
    cells: list[dict] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"#{self.h + 1}" + (f".{self.v + 1}" if self.v else "")


def _launch(pw, browser: str | None):
    from .slides import find_browser

    browser = browser or find_browser()
    if browser is None:
        raise RuntimeError("no Chromium found: install Debian's (apt-get install chromium; "
                           "`make book` does it) or set QBI_CHROMIUM")
    args = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return pw.chromium.launch(executable_path=browser, args=args)


def measure(deck: Path, chrome) -> list[Slide]:
    """Every slide of a built deck, measured in an open playwright browser ``chrome``."""
    from .slides import HEIGHT, WIDTH

    page = chrome.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(deck.resolve().as_uri(), wait_until="load")
        page.wait_for_function("window.Reveal && Reveal.isReady && Reveal.isReady()",
                               timeout=30000)
        page.wait_for_function("document.documentElement.dataset.qbiMath === 'typeset'",
                               timeout=60000)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
        return [Slide(**s) for s in page.evaluate(MEASURE_JS)]
    finally:
        page.close()


def measure_decks(decks: list[Path], browser: str | None = None) -> dict[str, list[Slide]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = _launch(pw, browser)
        try:
            return {deck.stem: measure(deck, chrome) for deck in decks}
        finally:
            chrome.close()


def plan_breaks(slides: list[Slide], min_zoom: float = MIN_ZOOM) -> list[str]:
    """Cell ids before which an overfull slide is split so that every part fits at full size.

    Greedy: cells stay together until the next one would not fit the slide (with room for the
    "(continued)" heading on every part after the first).  A slide that needs no more than
    ``min_zoom`` is left alone; a single cell taller than a slide cannot be split here.
    """
    breaks = []
    for slide in slides:
        if slide.zoom >= min_zoom or len(slide.cells) < 2:
            continue
        start = slide.cells[0]["top"]
        first = True
        for prev, cell in zip(slide.cells, slide.cells[1:]):
            bottom = cell["top"] + cell["height"]
            allowance = 0 if first else HEADING_ROOM
            if bottom - start + allowance > slide.room and cell["id"]:
                breaks.append(cell["id"])
                start, first = cell["top"], False
    return breaks


def problems(slides: list[Slide], max_code: int, min_zoom: float = MIN_ZOOM) -> list[str]:
    """What makes a slide unfit to present: shrunk below ``min_zoom``, no title, too much code,
    text under the navigation arrows."""
    out = []
    for s in slides:
        if s.zoom < min_zoom - 1e-3:
            biggest = max(s.cells, key=lambda c: c["height"], default=None)
            hint = (f"; its tallest cell {biggest['id']} is {biggest['height']} px of "
                    f"{s.room:.0f}" if biggest else "")
            out.append(f"slide {s.where} '{s.title[:40]}' is shrunk to {s.zoom:.0%} "
                       f"(at least {min_zoom:.0%}){hint}")
        if not s.title:
            out.append(f"slide {s.where} has no title")
        if any(n > max_code for n in s.code_lines):
            out.append(f"slide {s.where} '{s.title[:40]}' shows {max(s.code_lines)} lines of "
                       f"code (at most {max_code})")
        if s.covered:
            out.append(f"slide {s.where} '{s.title[:40]}': the navigation arrows cover text")
    return out


def stats(slides: list[Slide], max_code: int) -> dict:
    """The numbers an instructor asks of a deck."""
    return {
        "slides": len(slides),
        "shrunk": sum(s.zoom < 0.999 for s in slides),
        "below_90": sum(s.zoom < MIN_ZOOM - 1e-3 for s in slides),
        "min_zoom": round(min((s.zoom for s in slides), default=1.0), 3),
        "untitled": sum(not s.title for s in slides),
        "code_heavy": sum(any(n > max_code for n in s.code_lines) for s in slides),
        "with_notes": sum(s.notes for s in slides),
        "covered": sum(s.covered for s in slides),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    from .slides import MAX_CODE_LINES

    parser = argparse.ArgumentParser(prog="python -m qbi.deckfit",
                                     description="Measure built decks in Chromium.")
    parser.add_argument("decks", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="every slide as JSON")
    args = parser.parse_args(argv)
    measured = measure_decks(args.decks)
    if args.json:
        print(json.dumps({k: [s.__dict__ for s in v] for k, v in measured.items()}, indent=1))
        return 0
    bad = 0
    for stem, slides in measured.items():
        print(stem, stats(slides, MAX_CODE_LINES))
        for p in problems(slides, MAX_CODE_LINES):
            print("  ", p)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

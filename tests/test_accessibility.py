"""Every page of the site and every slide deck passes axe-core (WCAG 2.1 AA) with no serious or
critical violation, in Debian's Chromium, offline; and the controls are reachable by keyboard.

axe-core comes from npm like the other front-end assets (package.json; never from the network at
test time).  Checking ~70 pages takes minutes, so each page's result is cached in
``_build/test-cache/axe/`` under a hash of the page, of the course's stylesheet and script and of
axe itself: an unchanged page is not checked again.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import threading
from pathlib import Path

import pytest

from conftest import HTML, ROOT
from test_slides import CHROMIUM, CHROMIUM_ARGS

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CACHE = ROOT / "_build" / "test-cache" / "axe"
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                     resultTypes: ['violations']});
  return r.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""


def pages() -> list[str]:
    if not HTML.exists():
        return []
    found = [p for p in HTML.rglob("*.html") if "_static" not in p.parts and p.name != "genindex.html"
             and p.stat().st_size > 2000]       # index.html is a redirect
    return sorted(str(p.relative_to(HTML)) for p in found)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser_page():
    if not (HTML / "book" / "intro.html").exists():
        pytest.skip("the site is not built: run `make book`")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make vendor` (npm ci installs axe-core)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does it)")
    from playwright.sync_api import sync_playwright

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(HTML)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                yield page, f"http://127.0.0.1:{httpd.server_address[1]}"
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


def _key(rel: str) -> str:
    h = hashlib.sha256()
    for part in (HTML / rel, AXE, ROOT / "assets" / "qbi.css", ROOT / "assets" / "qbi-a11y.js"):
        h.update(part.read_bytes() if part.exists() else b"-")
    h.update(RUN_AXE.encode())
    return h.hexdigest()


def violations(browser_page, rel: str) -> list[dict]:
    key = _key(rel)
    cached = CACHE / (hashlib.sha256(rel.encode()).hexdigest()[:16] + ".json")
    if cached.exists() and os.environ.get("QBI_TEST_CACHE", "1") != "0":
        data = json.loads(cached.read_text())
        if data.get("key") == key:
            return data["violations"]
    page, base = browser_page
    page.goto(f"{base}/{rel}", wait_until="load", timeout=120_000)
    page.wait_for_timeout(700)                 # the course script runs again after 500 ms
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE)
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({"key": key, "page": rel, "violations": found}))
    return found


def test_every_page_and_deck_passes_axe(browser_page):
    rels = pages()
    assert any(r.startswith("slides/") for r in rels) and any(r.startswith("lectures/") for r in rels)
    failed = {}
    for rel in rels:
        found = violations(browser_page, rel)
        if found:
            failed[rel] = found
    report = "\n".join(f"{rel}: " + "; ".join(f"{v['id']} ({v['impact']}) at {v['nodes'][:2]}" for v in vs)
                       for rel, vs in failed.items())
    assert not failed, f"{len(failed)} of {len(rels)} pages have serious or critical WCAG violations:\n{report}"


def test_keyboard_reaches_the_controls_and_shows_focus(browser_page):
    """Tab through a lecture page: the search, the colour mode, the "Open the slides" link and the
    "Show code cell source" toggles are reached, and each shows a visible focus outline."""
    page, base = browser_page
    lecture = next(r for r in pages() if r.startswith("lectures/"))
    page.goto(f"{base}/{lecture}", wait_until="load")
    page.wait_for_timeout(700)
    reached, unfocused = set(), []
    for _ in range(120):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => {
          const e = document.activeElement; if (!e || e === document.body) return null;
          const s = getComputedStyle(e);
          return {text: (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 40),
                  cls: e.className && e.className.baseVal === undefined ? e.className : '',
                  tag: e.tagName, outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                  shadow: s.boxShadow !== 'none'}; }""")
        if not info:
            continue
        for name, needle in [("search", "search-button"), ("colour mode", "theme-switch"),
                             ("slides link", "Open the slides"), ("code toggle", "Show code cell")]:
            if needle in info["cls"] or needle in info["text"]:
                reached.add(name)
        if not (info["outline"] or info["shadow"]):
            unfocused.append(info["text"] or info["tag"])
    assert {"search", "colour mode", "slides link"} <= reached, f"reached by Tab: {sorted(reached)}"
    assert not unfocused, f"focused without a visible outline: {unfocused[:5]}"

"""The built site (_build/html): every page, figures, links, and nothing from other hosts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT, course_notebooks, toc_files


# The site is ~45 MB of HTML (the decks are 1-6 MB each, mostly inline images).  Every page is
# read once per test session, with regular expressions over the start tags (script and style
# bodies and comments skipped, as an HTML parser does), and the result is shared by the tests.
_OPEN = re.compile(r"<!--|<(script|style)\b[^>]*>", re.I)
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>/\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?"
                  r"|\s*/(?!>))*)\s*/?>")
_ATTR = re.compile(r"([^\s=>/\"']+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")


@dataclass
class Refs:
    refs: list[tuple[str, str, dict]] = field(default_factory=list)  # (tag, url, attrs)
    ids: set[str] = field(default_factory=set)


def parse_html(text: str) -> Refs:
    """The href/src references and the ids of an HTML page (attribute values unescaped)."""
    out = Refs()
    for m in _TAG.finditer(_without_comments_and_scripts(text)):
        attrs = {}
        for a in _ATTR.finditer(m.group(2)):
            value = a.group(2) if a.group(2) is not None else a.group(3) if a.group(3) is not None else a.group(4)
            attrs.setdefault(a.group(1).lower(), None if value is None else unescape(value))
        if attrs.get("id") is not None:
            out.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key):
                out.refs.append((m.group(1).lower(), attrs[key], attrs))
    return out


def _without_comments_and_scripts(text: str) -> str:
    """The page without comments and without the bodies of script and style elements (kept:
    their start tags), the parts where an HTML parser looks for no tags."""
    lower, kept, i = text.lower(), [], 0
    while (m := _OPEN.search(text, i)) is not None:
        kept.append(text[i:m.start()])
        if m.group(1) is None:                       # <!-- comment -->
            end = text.find("-->", m.end())
            i = len(text) if end < 0 else end + 3
        else:                                        # <script ...> body </script>
            kept.append(m.group(0))
            end = lower.find("</" + m.group(1).lower(), m.end())
            i = len(text) if end < 0 else end
    kept.append(text[i:])
    return "".join(kept)


def parse(path: Path) -> Refs:
    return parse_html(path.read_text(encoding="utf-8", errors="replace"))


def pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if "_static" not in p.parts]


@pytest.fixture(scope="session")
def parsed(site) -> dict[Path, Refs]:
    """Every page of the site, parsed once: {resolved path: Refs}."""
    return {p.resolve(): parse(p) for p in pages(site)}


def test_every_toc_document_has_a_page(site):
    missing = [f for f in toc_files() if not (site / f"{f}.html").exists()]
    assert not missing, f"no page built for {missing}"


def test_every_notebook_page_is_executed_with_figures(site, parsed):
    for nb in course_notebooks():
        page = site / nb.relative_to(ROOT).with_suffix(".html")
        html = page.read_text()
        assert "cell_output" in html, f"{page.name}: no executed output on the page"
        if nb.parent.name == "lectures":
            imgs = [url for tag, url, _ in parsed[page.resolve()].refs if tag == "img"]
            figures = [u for u in imgs if "_images/" in u or u.startswith("data:image")]
            assert len(figures) >= 5, f"{page.name}: only {len(figures)} figures embedded"
            for url in figures:
                if not url.startswith("data:"):
                    target = (page.parent / unquote(urlsplit(url).path)).resolve()
                    assert target.exists() and target.stat().st_size > 1000, url


def _is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme in ("http", "https") or url.startswith("//"))


def test_no_script_or_stylesheet_from_another_host(site, parsed):
    site = site.resolve()
    offenders = []
    for page, refs in parsed.items():
        for tag, url, attrs in refs.refs:
            loads = tag in ("script", "img", "iframe") or (
                tag == "link" and set(attrs.get("rel", "").split()) & {"stylesheet", "preload", "modulepreload"})
            if loads and _is_external(url):
                offenders.append(f"{page.relative_to(site)}: <{tag}> {url}")
    assert not offenders, "\n".join(offenders[:20])


def test_no_broken_internal_links(site, parsed):
    site = site.resolve()
    broken = []
    for page, refs in parsed.items():
        for tag, url, _ in refs.refs:
            parts = urlsplit(url)
            if parts.scheme or url.startswith(("//", "mailto:", "javascript:", "data:")) or not url.strip():
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {url}")
                continue
            if parts.fragment and target.suffix == ".html" and tag == "a":
                ids = (parsed.get(target) or parse(target)).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)} -> {url} (no such anchor)")
    assert not broken, "\n".join(broken[:30])


def test_math_is_typeset_by_the_site_s_own_mathjax(site, parsed):
    lecture = site / "lectures" / "01-introduction-and-workflows.html"
    scripts = [url for tag, url, _ in parsed[lecture.resolve()].refs if tag == "script"]
    mj = [u for u in scripts if "mathjax" in u.lower()]
    assert mj and all(not _is_external(u) for u in mj), mj
    assert (lecture.parent / urlsplit(mj[0]).path).resolve().exists()


def test_launch_and_download_buttons_are_configured(site):
    html = (site / "lectures" / "01-introduction-and-workflows.html").read_text()
    for needle in ("mybinder.org", "colab.research.google.com", "jupyter.ethz.ch"):
        assert needle in html, f"launch button for {needle} missing"
    assert re.search(r"download", html, re.I) and ".ipynb" in html
    assert (site / "search.html").exists()


def test_schedule_lists_eleven_weeks_and_links_week_one(site, parsed):
    html = (site / "book" / "schedule.html").read_text()
    for title in ("Introduction and workflows", "Image enhancement", "Scaling up / big data"):
        assert title in html
    hrefs = [url for tag, url, _ in parsed[(site / "book" / "schedule.html").resolve()].refs if tag == "a"]
    for part in ("lectures/01-", "exercises/01-", "slides/01-"):
        assert any(part in h for h in hrefs), f"schedule does not link {part}"

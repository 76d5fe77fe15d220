"""The built site (_build/html): every page, figures, links, and nothing from other hosts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT, course_notebooks, toc_files


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, dict]] = []  # (tag, url, attrs)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append((tag, a[key], a))


def parse(path: Path) -> _Refs:
    p = _Refs()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if "_static" not in p.parts]


def test_every_toc_document_has_a_page(site):
    missing = [f for f in toc_files() if not (site / f"{f}.html").exists()]
    assert not missing, f"no page built for {missing}"


def test_every_notebook_page_is_executed_with_figures(site):
    for nb in course_notebooks():
        page = site / nb.relative_to(ROOT).with_suffix(".html")
        html = page.read_text()
        assert "cell_output" in html, f"{page.name}: no executed output on the page"
        if nb.parent.name == "lectures":
            imgs = [url for tag, url, _ in parse(page).refs if tag == "img"]
            figures = [u for u in imgs if "_images/" in u or u.startswith("data:image")]
            assert len(figures) >= 5, f"{page.name}: only {len(figures)} figures embedded"
            for url in figures:
                if not url.startswith("data:"):
                    target = (page.parent / unquote(urlsplit(url).path)).resolve()
                    assert target.exists() and target.stat().st_size > 1000, url


def _is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme in ("http", "https") or url.startswith("//"))


def test_no_script_or_stylesheet_from_another_host(site):
    offenders = []
    for page in pages(site):
        for tag, url, attrs in parse(page).refs:
            loads = tag in ("script", "img", "iframe") or (
                tag == "link" and set(attrs.get("rel", "").split()) & {"stylesheet", "preload", "modulepreload"})
            if loads and _is_external(url):
                offenders.append(f"{page.relative_to(site)}: <{tag}> {url}")
    assert not offenders, "\n".join(offenders[:20])


def test_no_broken_internal_links(site):
    broken = []
    id_cache: dict[Path, set[str]] = {}
    for page in pages(site):
        for tag, url, _ in parse(page).refs:
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
                ids = id_cache.setdefault(target, parse(target).ids)
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)} -> {url} (no such anchor)")
    assert not broken, "\n".join(broken[:30])


def test_math_is_typeset_by_the_site_s_own_mathjax(site):
    lecture = site / "lectures" / "01-introduction-and-workflows.html"
    scripts = [url for tag, url, _ in parse(lecture).refs if tag == "script"]
    mj = [u for u in scripts if "mathjax" in u.lower()]
    assert mj and all(not _is_external(u) for u in mj), mj
    assert (lecture.parent / urlsplit(mj[0]).path).resolve().exists()


def test_launch_and_download_buttons_are_configured(site):
    html = (site / "lectures" / "01-introduction-and-workflows.html").read_text()
    for needle in ("mybinder.org", "colab.research.google.com", "jupyter.ethz.ch"):
        assert needle in html, f"launch button for {needle} missing"
    assert re.search(r"download", html, re.I) and ".ipynb" in html
    assert (site / "search.html").exists()


def test_schedule_lists_eleven_weeks_and_links_week_one(site):
    html = (site / "book" / "schedule.html").read_text()
    for title in ("Introduction and workflows", "Image enhancement", "Scaling up / big data"):
        assert title in html
    hrefs = [url for tag, url, _ in parse(site / "book" / "schedule.html").refs if tag == "a"]
    for part in ("lectures/01-", "exercises/01-", "slides/01-"):
        assert any(part in h for h in hrefs), f"schedule does not link {part}"

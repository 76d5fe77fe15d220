"""Printable handouts: every lecture and exercise page has a PDF made from its built page."""

from __future__ import annotations

import pytest

from conftest import ROOT, toc_files

from qbi.handouts import handout_name

PAGES = [f for f in toc_files() if f.startswith(("lectures/", "exercises/"))]


@pytest.mark.cached_by("_build/html/handouts/*.pdf", "qbi/handouts.py")
@pytest.mark.parametrize("doc", PAGES)
def test_handout_is_a_real_printout_of_the_page(site, doc):
    from pathlib import Path

    import pypdf

    page = site / f"{doc}.html"
    pdf = site / "handouts" / handout_name(Path(doc))
    assert pdf.exists(), f"no handout {pdf.name}: `make book` prints them (python -m qbi handouts)"
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) > 1, f"{pdf.name} has {len(reader.pages)} page"
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    assert "Quantitative Big Imaging" in text, "the header names the course"
    assert "page 1 of" in text.replace("\n", " "), "pages are numbered"
    assert "Search" not in text.split("Learning objectives")[0][:400], "navigation chrome printed"
    words = [w for w in __import__("re").findall(r"[A-Za-z]{5,}", text)]
    assert len(words) > 200, "the text is not extractable"
    if doc.startswith("lectures/"):
        images = sum(len(p.images) for p in reader.pages)
        assert images >= 5, f"{pdf.name} shows {images} figures"
    html = page.read_text(encoding="utf-8")
    assert f"handouts/{pdf.name}" in html, f"{page.name} does not link its handout"


def test_schedule_links_every_handout(site):
    html = (site / "book" / "schedule.html").read_text(encoding="utf-8")
    for doc in PAGES:
        if doc.startswith("lectures/"):
            assert f"handouts/{doc.split('/')[1]}.pdf" in html, doc

"""Printable handouts: every lecture and exercise page of the built site as a PDF.

``python -m qbi handouts`` (run by ``make book`` after the decks) prints each page of
``_build/html/lectures/`` and ``_build/html/exercises/`` with Debian's Chromium (never a browser
that a tool downloads) into ``_build/html/handouts/NN-slug.pdf`` (exercise sheets:
``NN-slug-exercise.pdf``): figures, typeset maths and code as on the page, without the site's
navigation (``assets/qbi.css`` has the print rules), with the course title and the lecture in the
header and page numbers in the footer.  A handout is printed again only when its page changed
(a hash of the page next to it), and each page gets a "Download the handout (PDF)" link.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import html
import http.server
import os
import re
import sys
import threading
import time
from pathlib import Path

COURSE = "Quantitative Big Imaging"
MARKER = "<!-- qbi-handout-link -->"
CHROMIUM = os.environ.get("QBI_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]


def handout_name(page: Path) -> str:
    return page.stem + ("-exercise" if page.parent.name == "exercises" else "") + ".pdf"


def _title(text: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
    title = re.sub(r"<[^>]+>", "", match.group(1)) if match else ""
    return html.unescape(title).replace("#", "").strip()


def add_link(page: Path, href: str) -> bool:
    """A "Download the handout (PDF)" link under the page's H1 (once)."""
    text = page.read_text(encoding="utf-8")
    if MARKER in text:
        return False
    end_h1 = text.find("</h1>", max(text.find('<article class="bd-article"'), 0))
    if end_h1 < 0:
        return False
    link = (f'{MARKER}<p class="qbi-handout-link"><a class="reference external" href="{html.escape(href)}">'
            "Download the handout (PDF)</a> to print or read offline.</p>")
    pos = end_h1 + len("</h1>")
    page.write_text(text[:pos] + link + text[pos:], encoding="utf-8")
    return True


def _key(text: str) -> str:
    h = hashlib.sha256(text.encode("utf-8"))
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def build(html_dir: Path, names: list[str] | None = None, jobs: int = 2) -> int:
    pages = sorted(p for folder in ("lectures", "exercises") for p in (html_dir / folder).glob("*.html"))
    if names:
        pages = [p for p in pages if any(n in p.stem for n in names)]
    out = html_dir / "handouts"
    out.mkdir(exist_ok=True)
    todo = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        text_without_link = re.sub(re.escape(MARKER) + r'<p class="qbi-handout-link">.*?</p>', "", text)
        pdf = out / handout_name(page)
        stamp = out / f".{pdf.stem}.key"
        key = _key(text_without_link)
        if pdf.exists() and stamp.exists() and stamp.read_text() == key:
            print(f"handouts: kept {pdf.relative_to(html_dir)} (page unchanged)")
        else:
            todo.append((page, pdf, stamp, key, _title(text)))
        add_link(page, os.path.relpath(pdf, page.parent))
    if not todo:
        return 0
    if not Path(CHROMIUM).exists():
        print(f"handouts: {CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
              file=sys.stderr)
        return 1
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html_dir)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    jobs = max(1, min(jobs, len(todo)))
    try:
        if jobs == 1:
            failed = _print_pages(base, html_dir, todo)
        else:
            # pages are independent: `jobs` browsers, each printing every jobs-th page
            import concurrent.futures
            import multiprocessing

            with concurrent.futures.ProcessPoolExecutor(
                    jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                failed = sum(pool.map(_print_pages, [base] * jobs, [html_dir] * jobs,
                                      [todo[i::jobs] for i in range(jobs)]))
    finally:
        httpd.shutdown()
        httpd.server_close()
    return 1 if failed else 0


def _print_pages(base: str, html_dir: Path, todo: list[tuple]) -> int:
    """Print the pages of ``todo`` served at ``base`` with one Chromium; returns the failures."""
    from playwright.sync_api import sync_playwright

    failed = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page()
            for page, pdf, stamp, key, title in todo:
                start = time.perf_counter()
                try:
                    tab.goto(f"{base}/{page.relative_to(html_dir).as_posix()}", wait_until="load",
                             timeout=120_000)
                    tab.wait_for_function("() => !window.MathJax || !MathJax.startup || "
                                          "MathJax.startup.promise.then(() => true)", timeout=60_000)
                    tab.emulate_media(media="print")
                    header = (f'<div style="font-size:8px;width:100%;padding:0 12mm;color:#444">'
                              f'{COURSE} &middot; {html.escape(title)}</div>')
                    footer = ('<div style="font-size:8px;width:100%;text-align:center;color:#444">'
                              'page <span class="pageNumber"></span> of <span class="totalPages"></span>'
                              '</div>')
                    tab.pdf(path=str(pdf), format="A4", print_background=True,
                            display_header_footer=True, header_template=header, footer_template=footer,
                            margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
                    stamp.write_text(key)
                    n = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))
                    print(f"handouts: wrote {pdf.relative_to(html_dir)} ({n} pages, "
                          f"{time.perf_counter() - start:.1f} s)", flush=True)
                except Exception as exc:  # noqa: BLE001 - report and go on with the others
                    print(f"handouts: {page.name}: FAILED: {exc}", file=sys.stderr, flush=True)
                    failed += 1
        finally:
            browser.close()
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qbi handouts", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these pages (e.g. 04 or 04-basic-segmentation)")
    parser.add_argument("--html", type=Path, default=Path.cwd() / "_build" / "html", help="the built site")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="pages printed at the same time, each by its own browser (default 2)")
    args = parser.parse_args(argv)
    if not (args.html / "lectures").exists():
        print(f"handouts: no built site at {args.html}: run `make book`", file=sys.stderr)
        return 2
    return build(args.html.resolve(), args.names, args.jobs)


if __name__ == "__main__":
    sys.exit(main())

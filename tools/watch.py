#!/usr/bin/env python
"""Rebuild what an author is editing, whenever it is saved: ``make watch``.

Watches ``lectures/``, ``solutions/``, ``book/`` and the two configuration files.  When a file
changes it runs the incremental build (``tools/build.py --no-slides``: jupyter-cache re-executes
only notebooks whose code changed, Sphinx rewrites only the pages that changed), regenerates the
exercise when a solution changed, rebuilds the deck of an edited lecture (``python -m qbi slides
NN``; decks whose notebook did not change are kept), and prints where to look.  Stop with Ctrl+C.

    python tools/watch.py [--interval 1.0]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ("lectures/*.ipynb", "solutions/*.ipynb", "book/*.md", "_config.yml", "_toc.yml")


def snapshot() -> dict[Path, float]:
    return {p: p.stat().st_mtime for pattern in WATCHED for p in ROOT.glob(pattern)
            if ".ipynb_checkpoints" not in p.parts}


def rebuild(changed: list[Path]) -> None:
    start = time.monotonic()
    py = sys.executable
    if any(p.parent.name == "solutions" for p in changed):
        subprocess.call([py, "-m", "qbi", "exercises"], cwd=ROOT)
    status = subprocess.call([py, "tools/build.py", "--no-slides"], cwd=ROOT)
    lectures = [p for p in changed if p.parent.name == "lectures"]
    if status == 0 and lectures:
        status = subprocess.call([py, "-m", "qbi", "slides", *[p.name[:2] for p in lectures]], cwd=ROOT)
    html = ROOT / "_build" / "html"
    print(f"watch: rebuilt in {time.monotonic() - start:.1f} s ({'ok' if status == 0 else 'FAILED'})")
    for p in changed:
        if p.suffix == ".ipynb" or p.suffix == ".md":
            page = html / p.relative_to(ROOT).with_suffix(".html")
            print(f"  page:  file://{page}")
        if p.parent.name == "lectures":
            print(f"  deck:  file://{html / 'slides' / (p.stem + '.html')}")
    print("watch: waiting for changes (Ctrl+C stops)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between checks")
    args = parser.parse_args(argv)
    seen = snapshot()
    print("watch: waiting for changes in lectures/, solutions/, book/ (Ctrl+C stops)", flush=True)
    try:
        while True:
            time.sleep(args.interval)
            now = snapshot()
            changed = sorted(p for p, t in now.items() if seen.get(p) != t)
            if changed:
                time.sleep(0.5)           # let the editor finish writing
                seen = snapshot()
                print("watch: changed: " + ", ".join(str(p.relative_to(ROOT)) for p in changed), flush=True)
                rebuild(changed)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

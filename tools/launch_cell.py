#!/usr/bin/env python
"""Put the launch cell (qbi/launch.py) before the first code cell of every course notebook.

    python tools/launch_cell.py            # lectures/ and solutions/ (exercises are generated)
Run ``python -m qbi exercises`` afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qbi import launch  # noqa: E402


def ensure(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    lecture = path.parent.name == "lectures"
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(launch.MARKER):
            if cell.source == launch.SOURCE:
                return False
            cell.source = launch.SOURCE
            break
    else:
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        cell = nbformat.v4.new_code_cell(launch.SOURCE)
        cell.metadata["tags"] = list(launch.TAGS)
        if lecture:
            cell.metadata["slideshow"] = {"slide_type": "skip"}
        nb.cells.insert(first, cell)
    nbformat.write(nb, path)
    return True


if __name__ == "__main__":
    for folder in ("lectures", "solutions"):
        for path in sorted((ROOT / folder).glob("[0-9][0-9]-*.ipynb")):
            if ensure(path):
                print(f"launch cell: {path.relative_to(ROOT)}")

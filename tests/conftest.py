"""Shared fixtures: repository paths, the table of contents, the built site."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
NOTEBOOK_DIRS = ("lectures", "exercises", "solutions")

sys.path.insert(0, str(ROOT / "tools"))


def toc_files() -> list[str]:
    from build import toc_files as _toc_files

    return _toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))


def course_notebooks() -> list[Path]:
    """Every notebook under lectures/, exercises/ and solutions/ (not checkpoints)."""
    return sorted(p for d in NOTEBOOK_DIRS for p in (ROOT / d).glob("*.ipynb"))


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; `make test` builds it before running the tests."""
    if not (HTML / "index.html").exists():
        pytest.skip("the site is not built: run `make book` (make test does it first)")
    return HTML

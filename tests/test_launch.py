"""The launch buttons work: Binder's files agree with the pins, and every notebook's first code
cell installs the course package on hosted Jupyter and does nothing in the course environment."""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT, course_notebooks

from qbi import launch

TEST_ONLY = {"pytest", "pytest-xdist", "nbval", "playwright", "pypdf"}


def pins(path):
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\[\],-]+)==(\S+)", line.strip())
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def test_binder_installs_the_pinned_environment_and_graphviz():
    course, binder = pins(ROOT / "requirements.txt"), pins(ROOT / "binder" / "requirements.txt")
    assert {k: v for k, v in course.items() if k not in TEST_ONLY} == binder
    assert "." in (ROOT / "binder" / "requirements.txt").read_text().split(), "Binder must install qbi"
    assert "graphviz" in (ROOT / "binder" / "apt.txt").read_text().split()
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_first_code_cell_is_the_launch_cell(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.source == launch.SOURCE, (
        f"{path.name}: the first code cell is not the launch cell: run `python tools/launch_cell.py` "
        "(and `python -m qbi exercises`)")
    assert "remove-cell" in first.metadata.get("tags", [])


def test_the_launch_cell_does_nothing_in_the_course_environment(monkeypatch):
    import subprocess

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    exec(compile(launch.SOURCE, "launch-cell", "exec"), {})
    assert calls == [], "the launch cell ran pip although qbi is installed"
    # and on a machine without qbi it would install it from the course repository
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    exec(compile(launch.SOURCE, "launch-cell", "exec"), {})
    assert calls and launch.REPOSITORY in " ".join(calls[0][0])

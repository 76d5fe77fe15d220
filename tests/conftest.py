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


# --- Incremental slow checks --------------------------------------------------------------
# A test marked ``@pytest.mark.cached_by(*globs)`` (or a module with ``pytestmark = ...``) is
# not run again when it passed before with exactly the same inputs: the files its globs match
# (relative to the repository), its own test module, this file, requirements.txt and the
# Python version, hashed with its node id.  Passes are recorded in _build/test-cache/passed/
# (one empty file per key; `make clean` or QBI_TEST_CACHE=0 runs everything).  A fresh clone,
# and so CI, has no cache and runs every test.  Such tests show as "c" / "N cached".
import hashlib  # noqa: E402
import os  # noqa: E402

PASSED = Path(os.environ.get("QBI_TEST_CACHE_DIR", ROOT / "_build" / "test-cache" / "passed"))
CACHED = "passed before with the same inputs:"
ALWAYS = ("requirements.txt", "tests/conftest.py")
# input sets of the slow checks (globs relative to the repository)
CODE = ("qbi/**/*.py", "tools/*.py", "tools/*.sh", "pyproject.toml")
BUILD_INPUTS = CODE + ("_config.yml", "assets/**", "package-lock.json")
DECKS = ("_build/html/slides/*.html", "qbi/slides.py", "qbi/deckfit.py", "package-lock.json")
_KEY = pytest.StashKey[str]()
_CALL_PASSED = pytest.StashKey[bool]()
_digests: dict[tuple, bytes] = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "cached_by(*globs): skip re-running a test that passed "
                            "before with the same inputs (files matching the globs)")


def _digest(path: Path) -> bytes:
    st = path.stat()
    memo = (path, st.st_mtime_ns, st.st_size)  # a file rewritten during the session is read again
    if memo not in _digests:
        _digests[memo] = hashlib.sha256(path.read_bytes()).digest()
    return _digests[memo]


def input_key(nodeid: str, module: Path, globs) -> str:
    """The hash of a test's inputs: its node id, its module, the files matched by ``globs``."""
    files = {module.resolve()}
    for pattern in (*ALWAYS, *globs):
        files.update(p.resolve() for p in ROOT.glob(pattern) if p.is_file() and "__pycache__" not in p.parts)
    h = hashlib.sha256(f"{nodeid}\n{sys.version}\n".encode())
    for path in sorted(files):
        h.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).encode())
        h.update(_digest(path))
    return h.hexdigest()[:32]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    marker = item.get_closest_marker("cached_by")
    if marker is None or os.environ.get("QBI_TEST_CACHE", "1") == "0":
        return
    key = input_key(item.nodeid, Path(str(item.fspath)), marker.args)
    item.stash[_KEY] = key
    if (PASSED / key).exists():
        pytest.skip(f"{CACHED} {key}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    key = item.stash.get(_KEY, None)
    if key is not None and report.passed:
        if report.when == "call":
            item.stash[_CALL_PASSED] = True
        elif report.when == "teardown" and item.stash.get(_CALL_PASSED, False):
            PASSED.mkdir(parents=True, exist_ok=True)
            (PASSED / key).write_text(item.nodeid + "\n")
    return report


def _is_cached(report) -> bool:
    return (report.skipped and isinstance(report.longrepr, (tuple, list)) and len(report.longrepr) == 3
            and CACHED in str(report.longrepr[2]))


def pytest_report_teststatus(report, config):
    if report.when == "setup" and _is_cached(report):
        return "cached", "c", "CACHED"
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    cached = terminalreporter.stats.get("cached", [])
    if cached:
        terminalreporter.write_line(
            f"{len(cached)} slow checks passed before with exactly the same inputs and were not run "
            f"again ({PASSED.relative_to(ROOT) if PASSED.is_relative_to(ROOT) else PASSED}/; "
            "QBI_TEST_CACHE=0 runs them, a fresh clone has none)")

"""A probe for tests/test_test_cache.py (not collected by itself: no test_ prefix).

Its one test appends a line to $PROBE_LOG each time it really runs, depends on the file
$PROBE_INPUT (a path relative to the repository) and fails when $PROBE_FAIL is set."""

import os
from pathlib import Path

import pytest


@pytest.mark.cached_by(os.environ.get("PROBE_INPUT", "no-such-input"))
def test_probe():
    with Path(os.environ["PROBE_LOG"]).open("a") as fh:
        fh.write("ran\n")
    assert not os.environ.get("PROBE_FAIL"), "asked to fail"

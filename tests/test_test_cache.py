"""The test cache of conftest.py: a slow check marked ``cached_by`` runs again exactly when it
has not passed with its current inputs (its input files, its module, conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


# the cache caches its own test too: it depends on the probe, this module and conftest.py
@pytest.mark.cached_by("tests/cache_probe.py")
def test_a_cached_check_runs_again_only_when_an_input_changed(tmp_path):
    folder = ROOT / "_build" / "test-cache" / f"probe-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "input.txt"
    source.write_text("first version\n")
    log = tmp_path / "runs.log"
    env = dict(os.environ, QBI_TEST_CACHE_DIR=str(tmp_path / "passed"), PROBE_LOG=str(log),
               PROBE_INPUT=str(source.relative_to(ROOT)), QBI_TEST_CACHE="1")
    env.pop("PROBE_FAIL", None)
    env.pop("PYTEST_XDIST_WORKER", None)

    def run(**extra) -> str:
        out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                              "tests/cache_probe.py"], cwd=ROOT, env=dict(env, **extra),
                             capture_output=True, text=True, timeout=120)
        return out.stdout + out.stderr

    def runs() -> int:
        return log.read_text().count("ran") if log.exists() else 0

    try:
        assert "1 passed" in run() and runs() == 1
        second = run()
        assert "1 cached" in second and runs() == 1, second    # same inputs: not run again
        assert "passed before with exactly the same inputs" in second
        source.write_text("second version\n")
        assert "1 passed" in run() and runs() == 2               # an input changed: run
        assert "1 passed" in run(QBI_TEST_CACHE="0") and runs() == 3  # switched off: run
        source.write_text("third version\n")
        assert "1 failed" in run(PROBE_FAIL="1") and runs() == 4
        assert "1 failed" in run(PROBE_FAIL="1") and runs() == 5  # a failure is never cached
    finally:
        shutil.rmtree(folder, ignore_errors=True)

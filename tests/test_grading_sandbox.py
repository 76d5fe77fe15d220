"""The sandboxed run of one submission (:mod:`qbi.grading.sandbox`): its time limit, its guard
(writes outside its folder, reading the course tree, signals, programs), capped output, crashes,
and that the worker runs the ``qbi`` of the tree it grades for.

The first tests read the batch graded once by ``grading_cases.py`` (shared with
``test_grading_batch.py``); the last ones run the worker or its guard directly.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from conftest import CODE, ROOT
from grading_cases import MAX, QUESTIONS, TIMEOUT, WEEK, _code, _complete, _index, _total, graded_batch

from qbi import grading
from qbi.grading import sandbox
from qbi.grading.transport import MISSING, _decode

# slow (a class graded, time limits waited out): re-run only when their inputs change
pytestmark = pytest.mark.cached_by(*CODE, "solutions/*.ipynb", "exercises/*.ipynb",
                                   "tests/grading_cases.py", "tests/alternatives/*.py")


@pytest.fixture(scope="module")
def batch(tmp_path_factory, request):
    """All the test submissions, graded once with the command line (see grading_cases.py)."""
    return graded_batch(tmp_path_factory, request)


def test_an_endless_loop_hits_the_time_limit_and_keeps_earlier_answers(batch):
    row = batch["rows"]["endless-loop.ipynb"]
    assert [float(row[q]) for q in QUESTIONS[:4]] == [3, 3, 3, 3], row
    assert all(float(row[q]) == 0 for q in QUESTIONS[4:]), row
    assert f"time limit of {TIMEOUT} s reached" in row["message"] and "while True" in row["message"]


def test_huge_output_is_cut_and_grading_goes_on(batch):
    row = batch["rows"]["huge-output.ipynb"]
    assert _total(row) == MAX, row
    assert "was cut" in row["message"]
    feedback = batch["out"].with_suffix("") / "huge-output.feedback.txt"
    assert feedback.stat().st_size < 20_000


def test_tampering_gains_nothing_and_is_reported(batch):
    row = batch["rows"]["tamper.ipynb"]
    assert _total(row) == 3 and float(row["q1"]) == 3, row  # q1 only, as answered
    assert "blocked:" in row["message"]
    feedback = (batch["out"].with_suffix("") / "tamper.feedback.txt").read_text()
    for what in ("reading", "solutions", "sandbox.py", "signal", "starting a program"):
        assert what in feedback, what
    # the tree under test is unchanged (the submission tried to rewrite and rename its sandbox.py)
    assert batch["copy_after"] == batch["copy_before"], "a submission changed the grader's code"
    assert batch["checkout_after"] == batch["checkout_before"]      # and this checkout's grader too
    assert not (ROOT / "qbi" / "grading" / "sandbox.py.old").exists()


def test_the_workers_run_the_qbi_of_the_tree_under_test(batch):
    """Every submission that was run, ran in a worker importing the copy's qbi (its witness)."""
    ran = [name for name, row in batch["rows"].items() if not row["message"].startswith("NOT GRADED")]
    assert batch["worker_runs"] >= len(ran) > 0, (
        f"{batch['worker_runs']} workers ran the copy's qbi for {len(ran)} graded submissions: "
        "the grading worker imports another qbi than the tree it grades for")


def test_a_worker_with_another_qbi_refuses_to_grade(tmp_path):
    """The worker checks that it imported the grader's qbi; a mismatch is reported, not graded."""
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    (sandbox / "spec.json").write_text(json.dumps({"sandbox": str(sandbox), "names": [],
                                                   "qbi_root": str(tmp_path / "elsewhere")}))
    run = subprocess.run([sys.executable, "-I", "-B", "-c", grading._BOOT, str(sandbox / "spec.json"),
                          str(ROOT)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    report = json.loads((sandbox / "report.json").read_text())
    assert "not from the course tree" in report["errors"][0]["message"]


def test_a_notebook_that_kills_its_process_keeps_the_answers_saved_before(batch):
    row = batch["rows"]["crash.ipynb"]
    assert _total(row) == MAX, row
    assert "ended the grading process" in row["message"] and "os._exit" in row["message"]


def test_a_process_that_ignores_the_time_limit_is_killed(tmp_path):
    nb = _complete()
    stubborn = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"
    nb.cells.insert(_index(nb, 'grader.check("q1")') + 1, _code(stubborn))
    nbformat.write(nb, tmp_path / "stubborn.ipynb")
    out = tmp_path / "grades" / "grades.csv"
    status = grading.main(["--week", WEEK, str(tmp_path / "stubborn.ipynb"), "--out", str(out), "--timeout", "8"])
    with out.open(newline="") as fh:
        (row,) = csv.DictReader(fh)
    assert status == 0  # graded, with what it earned before it hung
    assert float(row["q1"]) == 3 and _total(row) == 3, row
    assert "was killed in cell" in row["message"]


# -- the worker, run directly on a small notebook ----------------------------------------------
def run_worker(folder: Path, cells: list[str], names: list[str], timeout: float = 30,
               deny_read: list[Path] = ()) -> tuple[dict, dict, float]:
    """Run ``cells`` in a sandboxed worker as the grader starts it; the report, the answers, seconds."""
    box = folder / "sandbox"
    box.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, box / "submission.ipynb")
    spec = {"sandbox": str(box), "names": names, "timeout": timeout, "max_output_chars": 10_000,
            "max_file_bytes": 2**26, "max_memory_bytes": 4 * 2**30, "deny_read": [str(p) for p in deny_read],
            "allow_read": [], "deny_list": [], "qbi_root": str(ROOT)}
    (box / "spec.json").write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JPY_", "QBI_"))}
    env.update({grading.GRADING_ENV: "1", "MPLBACKEND": "Agg", "TMPDIR": str(box), "HOME": str(box),
                "IPYTHONDIR": str(box / ".ipython")})
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-I", "-B", "-c", sandbox._BOOT, str(box / "spec.json"), str(ROOT)],
                         cwd=box, env=env, capture_output=True, text=True, timeout=timeout + 60)
    seconds = time.monotonic() - start
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((box / "report.json").read_text())
    values = {}
    for name in names:
        if (box / f"v-{name}.json").exists():
            with np.load(box / f"v-{name}.npz", allow_pickle=False) as npz:
                values[name] = _decode(json.loads((box / f"v-{name}.json").read_text()),
                                       {k: npz[k] for k in npz.files})
    return report, values, seconds


def test_the_worker_refuses_a_write_outside_its_folder_and_goes_on(tmp_path):
    outside = tmp_path / "outside.txt"
    report, values, _ = run_worker(tmp_path, [
        "a = 1",
        f"open({str(outside)!r}, 'w').write('escaped')",
        "open('inside.txt', 'w').write('fine')\nb = 2",
    ], ["a", "b"])
    assert not outside.exists(), "the submission wrote outside its folder"
    assert any("writing" in b and str(outside) in b for b in report["blocked"]), report
    assert [e["type"] for e in report["errors"]] == ["PermissionError"] and report["errors"][0]["cell"] == 2
    assert values == {"a": 1, "b": 2}  # the later cell ran, and writing in its own folder is allowed


def test_the_worker_stops_an_endless_loop_at_its_time_limit(tmp_path):
    report, values, seconds = run_worker(tmp_path, ["a = 1", "while True: pass", "b = 2"], ["a", "b"],
                                         timeout=3)
    assert report["timed_out"] == {"cell": 2, "line": "while True: pass"}, report
    assert values["a"] == 1 and values["b"] is MISSING  # answers before the loop count
    assert seconds < 3 + 30, f"the worker took {seconds:.0f} s for a time limit of 3 s"


def test_the_worker_may_not_read_a_denied_folder(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "hidden.txt").write_text("42")
    report, values, _ = run_worker(tmp_path, [f"x = open({str(secret / 'hidden.txt')!r}).read()"], ["x"],
                                   deny_read=[secret])
    assert values["x"] is MISSING and any("reading" in b for b in report["blocked"]), report


# -- the guard and the output cap, as plain objects --------------------------------------------
@pytest.fixture()
def guard(tmp_path):
    for folder in ("box", "tree/qbi", "tree/solutions", "elsewhere"):
        (tmp_path / folder).mkdir(parents=True)
    return sandbox._Guard(str(tmp_path / "box"), deny_read=[str(tmp_path / "tree")],
                          allow_read=[str(tmp_path / "tree" / "qbi")], deny_list=[])


def test_the_guard_allows_writing_only_inside_its_folder(guard, tmp_path):
    guard("open", (str(tmp_path / "box" / "answer.txt"), "w", os.O_WRONLY | os.O_CREAT))
    with pytest.raises(PermissionError, match="not allowed while grading: writing"):
        guard("open", (str(tmp_path / "elsewhere" / "x.txt"), "w", os.O_WRONLY | os.O_CREAT))
    with pytest.raises(PermissionError):
        guard("os.rename", (str(tmp_path / "box" / "a"), str(tmp_path / "elsewhere" / "a"), None, None))
    guard("open", (str(tmp_path / "elsewhere" / "x.txt"), "r", os.O_RDONLY))  # reading elsewhere is fine
    assert len(guard.blocked) == 2 and all(b.startswith("cell 0: ") for b in guard.blocked)


def test_the_guard_refuses_reading_the_course_tree_except_qbi(guard, tmp_path):
    guard("open", (str(tmp_path / "tree" / "qbi" / "data.py"), "r", os.O_RDONLY))
    with pytest.raises(PermissionError, match="reading"):
        guard("open", (str(tmp_path / "tree" / "solutions" / "01.ipynb"), "r", os.O_RDONLY))
    with pytest.raises(PermissionError, match="listing"):
        guard("os.listdir", (str(tmp_path / "tree" / "solutions"),))


def test_the_guard_refuses_programs_and_signals_to_others(guard):
    with pytest.raises(PermissionError, match="starting a program"):
        guard("subprocess.Popen", ("true", ["true"], None, None))
    with pytest.raises(PermissionError, match="signal"):
        guard("os.kill", (1, 9))
    guard("os.kill", (os.getpid(), 0))  # its own process: allowed


def test_captured_output_is_capped_and_says_so():
    import io

    stream = io.StringIO()
    out = sandbox._CappedText(stream, 10)
    assert out.write("12345") == 5 and not out.truncated
    assert out.write("67890abc") == 8 and out.truncated
    assert stream.getvalue() == "1234567890" and out.write("more") == 4
    assert sandbox._first_line("# a comment\n\n  x = 1\ny = 2") == "x = 1"


# -- the fork server: libraries imported once, a forked worker per submission -------------------
def test_the_fork_server_forks_workers_that_are_like_a_process_of_their_own(tmp_path):
    """A forked worker has its own session, folder and environment, no pipe to the grader or the
    server, its guard and its time limit; its exit status comes back as a process's would."""
    home = tmp_path / "server"
    home.mkdir()
    # without thread limits (`make test` sets them to 1 for its pytest workers): numpy starts
    # its BLAS threads on import
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "JPY_", "QBI_", "OMP_", "OPENBLAS_", "MKL_"))}
    env.update({grading.GRADING_ENV: "1", "MPLBACKEND": "Agg", "HOME": str(home), "TMPDIR": str(home),
                "OPENBLAS_NUM_THREADS": "2"})
    threaded = sandbox.ForkServer(home, env, ["import numpy as np"])  # numpy starts its BLAS threads
    assert not threaded.ready and threaded.threads > 1, threaded.threads  # forking those is not safe
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    server = sandbox.ForkServer(home, env, ["import numpy as np", "import no_such_module"])
    assert server.ready, server.threads
    outside = tmp_path / "outside.txt"
    cells = {
        "probe": ["import os, tempfile",
                  "links = []\n"
                  "for fd in os.listdir('/proc/self/fd'):\n"
                  "    try:\n"
                  "        links.append(os.readlink(f'/proc/self/fd/{fd}'))\n"
                  "    except OSError:  # the listing's own descriptor, closed by now\n"
                  "        pass\n"
                  "pipes = sum(link.startswith('pipe:') for link in links)\n"
                  "own_session = os.getsid(0) == os.getpid()\n"
                  "where = [os.getcwd(), os.environ['HOME'], tempfile.gettempdir()]",
                  f"open({str(outside)!r}, 'w').write('escaped')"],
        "loop": ["a = 1", "while True: pass"],
        "crash": ["a = 1", "import os\nos._exit(3)"],
    }
    try:
        workers = {}
        for name, source in cells.items():
            box = tmp_path / name
            box.mkdir()
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_code_cell(c) for c in source]
            nbformat.write(nb, box / "submission.ipynb")
            spec = {"sandbox": str(box), "names": ["pipes", "own_session", "where", "a"], "timeout": 3,
                    "max_output_chars": 10_000, "max_file_bytes": 2**26, "max_memory_bytes": 4 * 2**30,
                    "deny_read": [], "allow_read": [], "deny_list": [], "qbi_root": str(ROOT)}
            (box / "spec.json").write_text(json.dumps(spec))
            workers[name] = (box, server.start(box / "spec.json", box, box / "process.log",
                                               dict(env, HOME=str(box), TMPDIR=str(box))))
        codes = {name: worker.wait(timeout=60) for name, (_, worker) in workers.items()}
    finally:
        server.close()
    assert server.start(tmp_path / "x.json", tmp_path, tmp_path / "x.log", env) is None  # closed
    assert codes == {"probe": 0, "loop": 0, "crash": 3}, codes
    from qbi.grading.batch import _collect

    report, values = _collect(workers["probe"][0], ["pipes", "own_session", "where"])
    box = str(workers["probe"][0])
    assert values["pipes"] == 0 and values["own_session"] is True and values["where"] == [box, box, box]
    assert not outside.exists() and any("writing" in b for b in report["blocked"]), report
    report, values = _collect(workers["loop"][0], ["a"])
    assert report["timed_out"]["cell"] == "2" and values["a"] == 1
    report, values = _collect(workers["crash"][0], ["a"])
    assert report["stopped"]["cell"] == "2" and values["a"] == 1


def test_the_fork_server_preloads_the_solutions_imports():
    imports = sandbox.notebook_imports(ROOT / "solutions" / "01-introduction-and-workflows.ipynb")
    assert "import numpy as np" in imports and "import matplotlib.pyplot as plt" in imports
    assert all(line.startswith(("import ", "from ")) for line in imports)
    assert sandbox.notebook_imports(ROOT / "no-such-notebook.ipynb") == []

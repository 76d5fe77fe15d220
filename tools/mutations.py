"""Mutation audit: plant plausible bugs in a throwaway copy of the course and show the tests catch them.

    python tools/mutations.py            # every mutation (a few minutes)
    python tools/mutations.py guard      # the mutations whose name contains "guard"

Each mutation replaces one piece of code in a copy of the working tree (never in this checkout),
runs the tests that should catch it there, and expects them to FAIL; the same tests must pass on
the unmutated copy first.  The table at the end says, per mutation, whether it was caught and by
which test.  Exit status 0 only when every mutation is caught.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: list[str]


MUTATIONS = [
    Mutation("guard switched off", "qbi/grading/sandbox.py", "    sys.addaudithook(guard)\n", "    pass\n",
             ["tests/test_grading_sandbox.py::test_tampering_gains_nothing_and_is_reported"]),
    Mutation("worker imports the installed qbi", "qbi/grading/sandbox.py",
             'pkg = os.path.join(sys.argv[2], "qbi")', 'pkg = os.path.dirname(__import__("qbi").__file__)',
             ["tests/test_grading_sandbox.py::test_the_workers_run_the_qbi_of_the_tree_under_test"]),
    Mutation("guard lets a submission write anywhere", "qbi/grading/sandbox.py",
             '        return real == "/dev/null" or _within(real, [self.sandbox]) is not None\n',
             "        return True\n",
             ["tests/test_grading_sandbox.py::test_the_worker_refuses_a_write_outside_its_folder_and_goes_on"]),
    Mutation("worker time limit never set", "qbi/grading/sandbox.py",
             "    signal.setitimer(signal.ITIMER_REAL, max(left, 0.5))\n", "",
             ["tests/test_grading_sandbox.py::test_the_worker_stops_an_endless_loop_at_its_time_limit"]),
    Mutation("answers decoded from any tag", "qbi/grading/transport.py",
             '    raise ValueError(f"unknown tag {tag!r}")', "    return item",
             ["tests/test_grading_transport.py::test_forged_answers_are_rejected"]),
    Mutation("solution blocks leak into the exercise", "qbi/exercises.py",
             "        if inside:\n            continue\n", "",
             ["tests/test_exercises.py::test_no_solution_line_or_hidden_test_reaches_the_exercise"]),
    Mutation("checksum not consulted", "qbi/data.py",
             "    if blob is not None and _sha256(blob) != _recorded_checksum(target):",
             "    if blob is not None and False:",
             ["tests/test_data.py::test_a_valid_file_with_other_contents_is_caught_by_its_checksum"]),
    Mutation("foam porosity from the wrong phase", "qbi/phantoms.py",
             '"porosity": np.array(pores.mean())', '"porosity": np.array(1.0 - pores.mean())',
             ["tests/test_data.py::test_foam_porosity_matches_its_mask"]),
    Mutation("wood attenuation stored 20 % too high", "qbi/phantoms.py",
             '"mu": mu.astype(np.float32)', '"mu": (1.2 * mu).astype(np.float32)',
             ["tests/test_data.py::test_wood_flat_field_recovers_true_transmission"]),
    Mutation("a dataset that needs the network", "qbi/data.py",
             'return {"image": getattr(skdata, name)()}',
             'import urllib.request; urllib.request.urlopen("http://example.org", timeout=1)\n'
             '        return {"image": getattr(skdata, name)()}',
             ["tests/test_data.py::test_every_dataset_loads_offline_and_is_documented"]),
    Mutation("exercise rendered in hash order", "qbi/exercises.py",
             "def render(nb) -> str:\n",
             "def render(nb) -> str:\n    nb = copy.deepcopy(nb)\n"
             "    nb.metadata['order'] = list({'a', 'b', 'c', 'd', 'e', 'f'})\n",
             ["tests/test_exercises.py::test_generation_is_deterministic"]),
]


def working_tree(target: Path) -> None:
    """Copy the tracked and untracked (not ignored) files of this checkout."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split("\n")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / name)


def run_tests(tree: Path, tests: list[str]) -> tuple[int, str]:
    env = dict(os.environ, PYTHONPATH=str(tree), QBI_DATA_DIR=str(tree / "data"))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                         cwd=tree, env=env, capture_output=True, text=True, timeout=1800)
    return run.returncode, run.stdout[-2000:]


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        print("\nmutations:\n" + "\n".join(f"  {m.name:<42} {m.file}" for m in MUTATIONS))
        return 0
    chosen = [m for m in MUTATIONS if not argv or any(a in m.name for a in argv)]
    if not chosen:
        print(f"no mutation name contains {' or '.join(map(repr, argv))}; see --help", file=sys.stderr)
        return 2
    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="qbi-mutations-") as tmp:
        pristine = Path(tmp) / "pristine"
        working_tree(pristine)
        for m in chosen:
            tree = Path(tmp) / "tree"
            shutil.rmtree(tree, ignore_errors=True)
            shutil.copytree(pristine, tree)
            start = time.monotonic()
            status, log = run_tests(tree, m.tests)
            if status != 0:
                rows.append((m.name, "TESTS FAIL UNMUTATED", log.strip().splitlines()[-1:]))
                ok = False
                continue
            target = tree / m.file
            text = target.read_text()
            if m.old not in text:
                rows.append((m.name, "NOT APPLIED (code changed)", [m.file]))
                ok = False
                continue
            target.write_text(text.replace(m.old, m.new, 1))
            status, log = run_tests(tree, m.tests)
            caught = status != 0
            ok &= caught
            failed = [line for line in log.splitlines() if line.startswith("FAILED")][:1]
            rows.append((m.name, f"{'caught' if caught else 'MISSED'} ({time.monotonic() - start:.0f} s)",
                         failed or [log.strip().splitlines()[-1] if log.strip() else ""]))
    width = max(len(r[0]) for r in rows)
    for name, verdict, detail in rows:
        print(f"{name:<{width}}  {verdict}  {detail[0] if detail else ''}")
    print("all mutations caught" if ok else "some mutations were NOT caught")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

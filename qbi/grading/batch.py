"""The batch grader and its reports: ``python -m qbi grade``.

:class:`Grader` grades the submissions of one week: it reads each file (:func:`_read_notebook`),
runs it in its own sandboxed worker (:mod:`qbi.grading.sandbox`), reads back the worker's report
and answers (:func:`_collect`), runs the solution's public and hidden tests on them
(:func:`qbi.grading.checks.run_question`) and makes a :class:`Row` with the scores, a message and
the feedback texts.  :func:`write_results` writes the CSV, the feedback files and (with
:mod:`qbi.gradebook`) the LMS imports and the class report; :func:`main` is the command line.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .checks import GRADING_ENV, _clip, _fmt, run_question
from .sandbox import _BOOT, REPO, ForkServer, notebook_imports
from .transport import Unsupported, _decode


# ============================================================================================
# Grading, part 2: the grader (runs every worker, then the tests)
# ============================================================================================
@dataclass
class Row:
    submission: str
    scores: dict
    total: float
    max_total: float
    message: str
    graded: bool
    feedback: str = ""
    seconds: float = 0.0
    student_feedback: str = ""  # the same without hidden tests' reference values (may go to students)


@dataclass
class Options:
    timeout: float = 60.0
    grace: float | None = None  # seconds after the time limit before a hard kill (default: 5 s or a quarter of it)
    max_output_chars: int = 1_000_000
    max_file_bytes: int = 512 * 2**20
    max_memory_bytes: int = 8 * 2**30
    deny_read: list = field(default_factory=list)
    fork_server: bool = True  # import the libraries once per batch and fork the workers (Linux)


def _read_notebook(path: Path) -> tuple[dict | None, str]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, f"cannot read the file ({err.strerror})"
    try:
        nb = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not a notebook: the file is not text (UTF-8)"
    except json.JSONDecodeError as err:
        return None, f"not a notebook: the file is not valid JSON ({err.msg} at line {err.lineno})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a Jupyter notebook: valid JSON but no list of cells"
    for cell in nb["cells"]:
        src = cell.get("source", "") if isinstance(cell, dict) else None
        if not isinstance(cell, dict) or not (isinstance(src, str) or
                                              (isinstance(src, list) and all(isinstance(s, str) for s in src))):
            return None, "not a Jupyter notebook: a cell is malformed"
    return nb, ""


def _safe_read(path: Path, limit: int) -> bytes | None:
    """A sandbox file's bytes, if it is a regular file (not a link) no larger than ``limit``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        import stat

        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        return fh.read(limit + 1)


def _read_json(path: Path, limit: int = 16 * 2**20):
    blob = _safe_read(path, limit)
    if blob is None:
        return None
    try:
        return json.loads(blob)
    except ValueError:
        return None


def _clean_report(raw: dict) -> dict:
    """The worker's report with only the expected fields, as short strings (it is not trusted)."""

    def text(x, n=300) -> str:
        return _clip(str(x), n)

    def where(d):
        return {"cell": text(d.get("cell"), 20), "line": text(d.get("line", ""), 80)} \
            if isinstance(d, dict) else None

    errors = raw.get("errors") if isinstance(raw.get("errors"), list) else []
    blocked = raw.get("blocked") if isinstance(raw.get("blocked"), list) else []
    return {
        "errors": [{"cell": text(e.get("cell"), 20), "line": text(e.get("line", ""), 80),
                    "type": text(e.get("type"), 60), "message": text(e.get("message"), 300)}
                   for e in errors[:50] if isinstance(e, dict)],
        "blocked": [text(b, 200) for b in blocked[:20]],
        "timed_out": where(raw.get("timed_out")),
        "stopped": where(raw.get("stopped")),
        "output_truncated": raw.get("output_truncated") is True,
    }


def _collect(sandbox: Path, names: list[str]) -> tuple[dict | None, dict]:
    """The worker's report (or its last progress) and the answers it saved, decoded strictly."""
    import numpy as np

    report = _read_json(sandbox / "report.json")
    if report is None:
        progress = _read_json(sandbox / "progress.json")
        if isinstance(progress, dict):
            report = dict(progress, stopped={"cell": progress.get("cell"), "line": progress.get("line", "")})
    if not isinstance(report, dict):
        return None, {}
    report = _clean_report(report)
    values = {}
    for name in names:
        item = _read_json(sandbox / f"v-{name}.json")
        blob = _safe_read(sandbox / f"v-{name}.npz", 2**31)
        if item is None or blob is None:
            continue
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            values[name] = _decode(item, arrays)
        except Exception:  # noqa: BLE001 - a malformed answer counts as no answer
            values[name] = Unsupported("its saved value could not be read back")
    return report, values


class Grader:
    """Grades submissions of one week against its solution notebook's public and hidden tests."""

    def __init__(self, week: str, solution: Path | None = None, options: Options | None = None):
        from .. import exercises

        self.week = f"{int(week):02d}"
        self.solution = Path(solution) if solution else exercises.solution_for_week(self.week)
        self.assignment = exercises.parse(self.solution)
        self.options = options or Options()
        self.matplotlib_dir: str | None = None
        self.server: ForkServer | None = None  # while grade() runs
        self.names: list[str] = []
        for q in self.assignment.questions:
            self.names += [n for n in q.answers if n not in self.names]

    # -- preparation in the grader: data and caches the submissions may only read -------------
    def prepare(self) -> None:
        import re

        from .. import data

        # the cells' code, not the file's JSON text (where every quote is escaped)
        cells = json.loads(self.solution.read_text(encoding="utf-8")).get("cells", [])
        text = "\n".join("".join(c.get("source", "")) for c in cells)
        for name in sorted(set(re.findall(r"""data\.load\(\s*["']([\w-]+)["']""", text))):
            if name in data.CATALOGUE:
                data.load(name)
        try:  # matplotlib's font cache, built once here; the submissions only read it
            import matplotlib
            import matplotlib.font_manager  # noqa: F401

            self.matplotlib_dir = matplotlib.get_cachedir()
        except ImportError:
            self.matplotlib_dir = None

    def _policy(self, sandbox: Path, batch: Path, protect: list[Path]) -> tuple[list, list]:
        """What the worker may not read (the repository, the batch, ``protect``) and may read."""
        import site
        import sysconfig

        from .. import data

        deny = [REPO, batch] + [Path(p) for p in protect] + list(self.options.deny_read)
        allow = [REPO / "qbi", data.data_dir(), Path(sys.prefix), Path(sys.base_prefix),
                 Path(sys.exec_prefix), sandbox]
        allow += [Path(p) for p in site.getsitepackages() if p]
        allow += [Path(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")]
        return [str(p) for p in deny], [str(p) for p in allow]

    def _env(self, folder: Path) -> dict:
        """The environment of a worker (or of the fork server) whose folder is ``folder``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JPY_", "QBI_"))}
        from .. import data

        if self.matplotlib_dir:
            env["MPLCONFIGDIR"] = self.matplotlib_dir
        env.update({GRADING_ENV: "1", "QBI_DATA_DIR": str(data.data_dir()), "MPLBACKEND": "Agg",
                    "TMPDIR": str(folder), "HOME": str(folder), "IPYTHONDIR": str(folder / ".ipython"),
                    "XDG_CACHE_HOME": str(folder / ".cache"), "XDG_CONFIG_HOME": str(folder / ".config"),
                    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        return env

    def grade_file(self, path: Path, batch: Path, protect: list[Path], no_listing: list[Path]) -> Row:
        start = time.monotonic()
        qnames = [q.name for q in self.assignment.questions]
        zero = {q: 0.0 for q in qnames}
        max_total = sum(q.total for q in self.assignment.questions)

        def fail(message: str) -> Row:
            feedback = f"Submission: {path.name}\nNOT GRADED: {message}\nScore: 0 / {_fmt(max_total)}\n"
            return Row(path.name, zero, 0.0, max_total, f"NOT GRADED: {message}", False, feedback,
                       time.monotonic() - start)

        nb, problem = _read_notebook(path)
        if nb is None:
            return fail(problem)
        notes = []
        meta = nb.get("metadata", {}).get("qbi") if isinstance(nb.get("metadata"), dict) else None
        if isinstance(meta, dict) and meta.get("week") is not None:
            if str(meta.get("week")) != self.week:
                return fail(f"this is the notebook of week {meta.get('week')} "
                            f"({meta.get('slug', '?')}), not of week {self.week}")
        else:
            notes.append(f"no exercise metadata in the notebook: graded as week {self.week}")

        sandbox = Path(tempfile.mkdtemp(prefix="sub-", dir=batch))
        try:
            shutil.copyfile(path, sandbox / "submission.ipynb")
            deny, allow = self._policy(sandbox, batch, protect)
            spec = {"sandbox": str(sandbox), "names": self.names, "timeout": self.options.timeout,
                    "max_output_chars": self.options.max_output_chars,
                    "max_file_bytes": self.options.max_file_bytes,
                    "max_memory_bytes": self.options.max_memory_bytes,
                    "deny_read": deny, "allow_read": allow, "deny_list": [str(p) for p in no_listing],
                    "qbi_root": str(REPO)}
            (sandbox / "spec.json").write_text(json.dumps(spec))
            env = self._env(sandbox)
            server = self.server
            proc = server.start(sandbox / "spec.json", sandbox, sandbox / "process.log", env) if server else None
            if proc is None:  # no fork server: a process of its own
                with open(sandbox / "process.log", "wb") as log:
                    proc = subprocess.Popen([sys.executable, "-I", "-B", "-c", _BOOT, str(sandbox / "spec.json"),
                                             str(REPO)],
                                            cwd=sandbox, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
            killed = False
            try:
                grace = self.options.grace if self.options.grace is not None else max(5.0, self.options.timeout / 4)
                proc.wait(timeout=self.options.timeout + grace)
            except subprocess.TimeoutExpired:
                killed = True
            finally:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # the worker and anything it left behind
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()
            report, values = _collect(sandbox, self.names)
            if report is None:
                log = (_safe_read(sandbox / "process.log", 2**24) or b"")[-600:].decode("utf-8", "replace")
                return fail("the grading process stopped before it ran the notebook "
                            f"(exit status {proc.returncode}): {_clip(log, 300)}")
            if killed:
                report["killed"] = True
            elif report.get("stopped") is not None:
                report["exit"] = proc.returncode
        finally:
            shutil.rmtree(sandbox, ignore_errors=True)
        return self._score(path, report, values, notes, time.monotonic() - start)

    def _score(self, path: Path, report: dict, values: dict, notes: list[str], seconds: float) -> Row:
        results = []
        for q in self.assignment.questions:
            tests = [{"name": t.name, "code": t.code, "points": t.points, "hidden": t.hidden} for t in q.tests]
            results.append(run_question(q.name, q.title, tests, values))
        scores = {r.name: round(r.points, 4) for r in results}
        total = sum(r.points for r in results)
        max_total = sum(r.max_points for r in results)
        # the message: what went wrong, most important first
        msg = []
        stop = report.get("stopped") or {}
        if report.get("killed"):
            msg.append(f"time limit of {self.options.timeout:g} s: the notebook did not stop when asked and "
                       f"was killed in cell {stop.get('cell')} (`{stop.get('line', '')}`); "
                       "answers computed before count")
        elif stop:
            code = report.get("exit")
            how = f"signal {-code}" if isinstance(code, int) and code < 0 else f"exit status {code}"
            msg.append(f"the notebook ended the grading process in cell {stop.get('cell')} "
                       f"(`{stop.get('line', '')}`, {how}: e.g. os._exit, a crash, or out of memory); "
                       "answers computed before count")
        if report.get("timed_out"):
            t = report["timed_out"]
            msg.append(f"time limit of {self.options.timeout:g} s reached in cell {t['cell']} "
                       f"(`{t['line']}`): later cells were not run; answers computed before count")
        for b in report.get("blocked", [])[:3]:
            msg.append(f"blocked: {b}")
        errs = report.get("errors", [])
        for e in errs[:3]:
            msg.append(f"cell {e['cell']} raised {e['type']}: {_clip(e['message'], 100)}")
        if len(errs) > 3:
            msg.append(f"{len(errs) - 3} more cells raised errors")
        if report.get("output_truncated"):
            msg.append(f"its output was longer than {self.options.max_output_chars:,} characters and was cut")
        blank = [r.name for r in results if r.status == "not answered"]
        if blank:
            msg.append(f"not answered: {', '.join(blank)}")
        undefined = [r for r in results if r.status == "not defined"]
        if undefined and (report.get("timed_out") or stop):
            msg.append("not reached: " + ", ".join(r.name for r in undefined))
        elif undefined and errs:
            msg.append("not reached (an earlier cell raised an error, see above): "
                       + ", ".join(f"{r.name} ({r.note})" for r in undefined))
        elif undefined:
            msg.append("missing answers: " + ", ".join(f"{r.name} ({r.note})" for r in undefined))
        unsupported = [f"{r.name} ({r.note})" for r in results if r.status == "unsupported"]
        if unsupported:
            msg.append("answers of the wrong kind: " + "; ".join(unsupported))
        msg += notes
        message = "graded" + (": " + "; ".join(msg) if msg else "")
        if len(message) > 600:
            message = message[:560] + "... (see the feedback file)"
        # the feedback file
        def feedback(for_student: bool) -> str:
            """The instructor's version has everything; the student's version names the hidden
            tests that failed but not their reference values."""
            lines = [f"Submission: {path.name}",
                     f"Exercise: week {self.week} ({self.assignment.slug})",
                     f"Score: {_fmt(total)} / {_fmt(max_total)}", ""]
            for r in results:
                lines.append(f"{r.name}  {_fmt(r.points)} / {_fmt(r.max_points)}  {r.title}")
                if r.status == "not answered":
                    lines.append(f"    {r.note}")
                    continue
                for t in r.tests:
                    kind = "hidden" if t.hidden else "public"
                    why = t.message
                    if for_student and t.hidden:
                        why = ("a hidden test checks the exact result; compare your method with the "
                               "lecture and the question's wording")
                    lines.append(f"    {'ok    ' if t.passed else 'FAILED'} [{kind}] {t.name}"
                                 + ("" if t.passed else f"\n           why: {why}"))
            lines += ["", "Notes:"] + [f"  - {m}" for m in msg] if msg else []
            for e in errs[3:20]:
                lines.append(f"  - cell {e['cell']} (`{e['line']}`) raised {e['type']}: {e['message']}")
            for b in report.get("blocked", [])[3:]:
                lines.append(f"  - blocked: {b}")
            return "\n".join(lines) + "\n"

        return Row(path.name, scores, total, max_total, message, True, feedback(False), seconds,
                   feedback(True))

    def grade(self, paths: list[Path], jobs: int = 2, progress=None, protect: list[Path] = ()) -> list[Row]:
        """Grade every file (in parallel), in the order given.

        No submission may read any submission file, list their folders, or read ``protect``
        (e.g. the grades being written)."""
        self.prepare()
        protect = [p.resolve() for p in paths] + [Path(p).resolve() for p in protect]
        no_listing = sorted({p.resolve().parent for p in paths})
        batch = Path(tempfile.mkdtemp(prefix="qbi-grade-"))
        home = Path(tempfile.mkdtemp(prefix="qbi-fork-server-"))  # outside the batch: workers may read it
        try:
            if self.options.fork_server and sys.platform.startswith("linux"):
                server = ForkServer(home, self._env(home), notebook_imports(self.solution))
                self.server = server if server.ready else None

            def one(path: Path) -> Row:
                try:
                    row = self.grade_file(path, batch, protect, no_listing)
                except Exception as err:  # noqa: BLE001 - the batch goes on
                    row = Row(path.name, {q.name: 0.0 for q in self.assignment.questions}, 0.0,
                              sum(q.total for q in self.assignment.questions),
                              f"NOT GRADED: the grader failed on this file ({type(err).__name__}: {err})",
                              False, f"Submission: {path.name}\nNOT GRADED: {err}\n")
                if progress:
                    progress(row)
                return row

            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                return list(pool.map(one, paths))
        finally:
            if self.server is not None:
                self.server.close()
                self.server = None
            shutil.rmtree(batch, ignore_errors=True)
            shutil.rmtree(home, ignore_errors=True)


def write_results(rows: list[Row], questions: list[str], out: Path, paths: list[Path] | None = None,
                  students=None, missing=(), week: str = "", points: dict | None = None) -> Path:
    """Write the CSV and the feedback files (in a folder named like the CSV, next to it); with
    ``students`` (:func:`qbi.gradebook.identify`) also the LMS imports and the class report."""
    from .. import gradebook

    out.parent.mkdir(parents=True, exist_ok=True)
    folder = out.with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    if students is None:
        students = [gradebook.Student(Path(r.submission).stem, source="file") for r in rows]
    if paths:
        root = gradebook._common_root(paths)
        shown = [p.resolve().relative_to(root).as_posix() for p in paths]
    else:
        shown = [r.submission for r in rows]
    table = []
    for row, student, name in zip(rows, students, shown):
        table.append({"student": student.id, "name": student.name, "email": student.email,
                      "submission": name, "scores": row.scores, "total": row.total,
                      "max_total": row.max_total, "message": row.message, "graded": row.graded,
                      "feedback": row.feedback, "student_feedback": row.student_feedback or row.feedback,
                      "moodle_id": gradebook._moodle_id(student)})
    max_total = rows[0].max_total if rows else sum((points or {}).values())
    for student in missing:
        table.append({"student": student.id, "name": student.name, "email": student.email,
                      "submission": "", "scores": {q: 0.0 for q in questions}, "total": 0.0,
                      "max_total": max_total, "message": "no submission", "graded": False,
                      "feedback": f"Student: {student.id}\nno submission\n",
                      "moodle_id": gradebook._moodle_id(student)})
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "name", "email", "submission", *questions, "total", "max_total", "message"])
        for r in table:
            writer.writerow([r["student"], r["name"], r["email"], r["submission"],
                             *(_fmt(r["scores"].get(q, 0.0)) for q in questions),
                             _fmt(r["total"]), _fmt(r["max_total"]), r["message"]])
    used: set[str] = set()
    for r in table:
        if not r["submission"]:
            continue
        stem = re.sub(r"[^\w.-]+", "_", r["student"]).strip("_") or "submission"
        name, n = f"{stem}.feedback.txt", 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.feedback.txt"
        used.add(name)
        (folder / name).write_text(r["feedback"], encoding="utf-8")
        (folder / "for-students").mkdir(exist_ok=True)
        (folder / "for-students" / name).write_text(r["student_feedback"], encoding="utf-8")
    if points:
        gradebook.write_lms_files(out, table, questions, week, max_total)
        gradebook.write_report(out, table, questions, points, week)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qbi grade",
        description="Grade submitted exercise notebooks of one week into a CSV, without Docker.")
    parser.add_argument("--week", required=True, help="the week, e.g. 01")
    parser.add_argument("submissions", nargs="+", type=Path,
                        help="submitted .ipynb files, or folders as downloaded from the LMS "
                             "(searched recursively)")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write, e.g. grades.csv")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per submission (default 60)")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                        help="submissions graded at the same time (default: CPU cores, at most 4)")
    parser.add_argument("--solution", type=Path, help="the solution notebook (default: solutions/NN-*.ipynb)")
    parser.add_argument("--roster", type=Path,
                        help="CSV of the class (columns id, name, email): names and e-mails in the "
                             "grades, and a 'no submission' row for every student without a file")
    args = parser.parse_args(argv)

    from .. import gradebook

    paths = gradebook.find_submissions(args.submissions)
    if not paths:
        print("grade: no submissions found (give .ipynb files or folders that hold them)", file=sys.stderr)
        return 2
    students = gradebook.identify(paths)
    missing: list = []
    if args.roster:
        try:
            students, missing = gradebook.merge_roster(students, gradebook.read_roster(args.roster))
        except (OSError, ValueError) as err:
            print(f"grade: {err}", file=sys.stderr)
            return 2
    try:
        grader = Grader(args.week, args.solution, Options(timeout=args.timeout))
    except (FileNotFoundError, ValueError) as err:
        print(f"grade: {err}", file=sys.stderr)
        return 2
    start = time.monotonic()

    def progress(row: Row) -> None:
        state = f"{_fmt(row.total)} / {_fmt(row.max_total)}" if row.graded else "NOT GRADED"
        print(f"grade: {row.submission}: {state} ({row.seconds:.1f} s)", flush=True)

    rows = grader.grade(paths, jobs=args.jobs, progress=progress,
                        protect=[args.out, args.out.with_suffix("")])
    points = {q.name: q.total for q in grader.assignment.questions}
    folder = write_results(rows, list(points), args.out, paths, students, missing, grader.week, points)
    ok = sum(r.graded for r in rows)
    print(f"grade: {ok} of {len(rows)} submissions graded in {time.monotonic() - start:.1f} s; "
          f"wrote {args.out}, feedback in {folder}/, the LMS imports "
          f"{args.out.stem}-moodle.csv and {args.out.stem}-canvas.csv and the class report "
          f"{args.out.stem}-report.html" + (f"; {len(missing)} roster students without a submission"
                                             if missing else ""))
    return 0 if ok == len(rows) else 1


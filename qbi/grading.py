"""Check answers in a notebook, and grade a whole class: ``python -m qbi grade``.

Students: the exercise's first code cell creates ``grader = Checker("NN-slug.ipynb")``; the check
cell below each question, ``grader.check("q1")``, runs that question's *public* tests (stored in the
exercise's metadata) against the answers in the notebook and says in plain words which test
failed and why.  An answer that is still ``...`` is reported as "not answered yet", never as a
crash.  ``grader.check_all()`` shows the total of the public tests.

Instructors::

    python -m qbi grade --week 01 submissions/*.ipynb --out grades.csv [--timeout 60] [--jobs 2]

writes ``grades.csv`` (columns ``submission``, one per question, ``total``, ``max_total``,
``message``) and one readable feedback file per submission in ``grades/`` next to it.  The exit
status is 0 only when every submission was graded.

How a submission is graded (no Docker needed):

1. The file is read (never modified); invalid JSON, a file that is not a notebook, or a notebook
   of another week gets its row with the reason and is not run.
2. A temporary copy runs in a **separate Python process** (IPython, so magics work) in an empty
   temporary folder, with a time limit (``--timeout``: after it the running cell is stopped, later
   cells are skipped, and the answers computed so far still count; a process that does not stop
   is killed), capped output, a file-size and a memory limit.  An audit hook in that process
   refuses to write anywhere outside its folder, to read the course repository (solutions,
   tests, build) except the ``qbi`` package, the data and the Python environment, to read other
   submissions or the grades, to start programs or to signal other processes.  Every refused
   attempt is reported in the row.  (This stops the usual tricks; it is not a security boundary
   against a determined attacker with C code: for that, run the grader in a container.)
3. That process writes the answers (the names the tests read) as plain data only: numbers,
   strings, numpy arrays, lists, tuples, sets, dicts; no pickles, no code.
4. The grader, in its own process, reads the public **and hidden** tests from the solution
   notebook (``solutions/NN-slug.ipynb``) and runs them on those values.  The submission never
   sees the hidden tests, the grader's code or its state, so whatever it does to them (e.g.
   monkeypatching ``qbi.grading``) only affects its own process.
"""

from __future__ import annotations

import argparse
import builtins
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
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GRADING_ENV = "QBI_GRADING"  # set in the grading process: check cells do nothing there
MAX_ARRAY_BYTES = 128 * 2**20
MAX_ITEMS = 200_000


# ============================================================================================
# Plain values: what an answer may be, and how it travels from a submission to the grader
# ============================================================================================
class _Flag:
    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}>"


NOT_ANSWERED = _Flag("not answered")  # the answer is (or holds) ... : the blank left as it was
MISSING = _Flag("not defined")  # the name does not exist in the notebook


class Unsupported(Exception):
    """An answer of a kind the grader does not take (the message says what it is and what to do)."""


class _Blank(Exception):
    pass


def _typename(value) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]} {t.__name__}"


def to_plain(value, _count: list | None = None):
    """A copy of ``value`` made of plain data only, or raise :class:`Unsupported` / ``_Blank``.

    Plain data: None, bool, int, float, complex, str, numpy dtypes, numpy arrays of numbers,
    booleans or strings, and lists, tuples, sets and dicts of them.  numpy scalars become Python
    numbers, array subclasses become plain read-only arrays.
    """
    import numpy as np

    count = _count if _count is not None else [0]
    count[0] += 1
    if count[0] > MAX_ITEMS:
        raise Unsupported(f"it holds more than {MAX_ITEMS} items; use a numpy array")
    if value is Ellipsis:
        raise _Blank()
    if value is None:
        return None
    if isinstance(value, bool):
        return bool.__bool__(value) if type(value) is not bool else value
    if isinstance(value, np.generic):
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return float(value)
        if isinstance(value, np.complexfloating):
            return complex(value)
        if isinstance(value, np.str_):
            return str.__str__(value)
        raise Unsupported(f"it is a numpy {type(value).__name__} value")
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, complex):
        return complex(float.__float__(value.real), float.__float__(value.imag))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, np.dtype):
        return np.dtype(value.str)
    if isinstance(value, type) and (issubclass(value, np.generic) or value in (bool, int, float, complex)):
        return np.dtype(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufcU":
            raise Unsupported(f"it is a numpy array of {value.dtype}; answers are arrays of numbers, "
                              "booleans or strings")
        if value.nbytes > MAX_ARRAY_BYTES:
            raise Unsupported(f"it is a {value.nbytes / 2**20:.0f} MB array, larger than the "
                              f"{MAX_ARRAY_BYTES // 2**20} MB the grader takes")
        out = np.array(value, copy=True, subok=False)
        out.flags.writeable = False
        return out
    if isinstance(value, (list, tuple)):
        items = [to_plain(v, count) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, (set, frozenset)):
        items = [to_plain(v, count) for v in value]
        try:
            return set(items)
        except TypeError:
            raise Unsupported("it is a set of unhashable items") from None
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = to_plain(k, count)
            if isinstance(key, (np.ndarray, list, dict, set)):
                raise Unsupported("it is a dict whose keys are not numbers, strings or tuples")
            out[key] = to_plain(v, count)
        return out
    module = type(value).__module__ or ""
    if module.startswith("dask") or hasattr(value, "__dask_graph__"):
        raise Unsupported("it is a lazy dask object: call .compute() (or use a number from it)")
    if hasattr(value, "__array__"):
        raise Unsupported(f"it is a {_typename(value)}: convert it with np.asarray(...)")
    if callable(value):
        raise Unsupported(f"it is a {_typename(value)}: the answer is the value it computes, "
                          "not the function")
    raise Unsupported(f"it is a {_typename(value)}; answers are numbers, strings, numpy arrays, "
                      "or lists, tuples, sets or dicts of them")


def answer_values(namespace: dict, names: list[str]) -> dict:
    """``{name: plain value | NOT_ANSWERED | MISSING | Unsupported(...)}`` for the answer names."""
    values = {}
    for name in names:
        if name not in namespace:
            values[name] = MISSING
            continue
        try:
            values[name] = to_plain(namespace[name])
        except _Blank:
            values[name] = NOT_ANSWERED
        except Unsupported as err:
            values[name] = err
        except RecursionError:
            values[name] = Unsupported("it is nested too deeply")
    return values


def _encode(value, arrays: dict):
    import numpy as np

    if value is NOT_ANSWERED:
        return ["blank"]
    if value is MISSING:
        return ["missing"]
    if isinstance(value, Unsupported):
        return ["unsupported", str(value)]
    if value is None:
        return ["none"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        try:
            return ["int", str(value)]
        except ValueError:
            return ["unsupported", "it is an integer with too many digits"]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, complex):
        return ["complex", repr(value.real), repr(value.imag)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, np.dtype):
        return ["dtype", value.str]
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return ["array", key]
    if isinstance(value, list):
        return ["list", [_encode(v, arrays) for v in value]]
    if isinstance(value, tuple):
        return ["tuple", [_encode(v, arrays) for v in value]]
    if isinstance(value, set):
        return ["set", [_encode(v, arrays) for v in value]]
    if isinstance(value, dict):
        return ["dict", [[_encode(k, arrays), _encode(v, arrays)] for k, v in value.items()]]
    return ["unsupported", f"it is a {_typename(value)}"]


def _decode(item, arrays: dict, depth: int = 0):
    """Strictly rebuild a value written by :func:`_encode`; anything else raises ValueError."""
    import numpy as np

    if depth > 100 or not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise ValueError("malformed answer")
    tag, rest = item[0], item[1:]

    def one(kind):
        if len(rest) != 1 or not isinstance(rest[0], kind):
            raise ValueError(f"malformed {tag}")
        return rest[0]

    if tag == "blank":
        return NOT_ANSWERED
    if tag == "missing":
        return MISSING
    if tag == "unsupported":
        return Unsupported(one(str)[:300])
    if tag == "none":
        return None
    if tag == "bool":
        return one(bool)
    if tag == "int":
        return int(one(str))
    if tag == "float":
        return float(one(str))
    if tag == "complex":
        if len(rest) != 2 or not all(isinstance(r, str) for r in rest):
            raise ValueError("malformed complex")
        return complex(float(rest[0]), float(rest[1]))
    if tag == "str":
        return one(str)
    if tag == "dtype":
        dt = np.dtype(one(str))
        if dt.kind not in "biufcU":
            raise ValueError("unexpected dtype")
        return dt
    if tag == "array":
        arr = arrays[one(str)]
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biufcU":
            raise ValueError("unexpected array")
        arr.flags.writeable = False
        return arr
    if tag in ("list", "tuple", "set"):
        items = [_decode(v, arrays, depth + 1) for v in one(list)]
        return items if tag == "list" else tuple(items) if tag == "tuple" else set(items)
    if tag == "dict":
        pairs = one(list)
        out = {}
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError("malformed dict")
            out[_decode(pair[0], arrays, depth + 1)] = _decode(pair[1], arrays, depth + 1)
        return out
    raise ValueError(f"unknown tag {tag!r}")


# ============================================================================================
# Running the tests of one question on plain values
# ============================================================================================
@dataclass
class TestResult:
    name: str
    hidden: bool
    points: float
    max_points: float
    passed: bool
    message: str = ""


@dataclass
class QuestionResult:
    name: str
    title: str
    tests: list[TestResult]
    status: str  # "passed", "failed", "not answered", "not defined", "unsupported"
    note: str = ""

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def max_points(self) -> float:
        return sum(t.max_points for t in self.tests)


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"


def _clip(text: str, n: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _failure_message(err: BaseException, code: str, filename: str) -> str:
    line = ""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename == filename and frame.lineno:
            lines = code.split("\n")
            if 0 < frame.lineno <= len(lines):
                line = lines[frame.lineno - 1].strip()
            break
    if isinstance(err, AssertionError):
        text = str(err).strip()
        return _clip(text) if text else _clip(f"this check failed: {line}")
    where = f" (in the test line `{_clip(line, 120)}`)" if line else ""
    return _clip(f"{type(err).__name__}: {err}{where}")


def run_question(name: str, title: str, tests: list[dict], values: dict) -> QuestionResult:
    """Run ``tests`` (dicts with name, code, points, hidden) on the answer ``values``."""
    import numpy as np

    from .exercises import free_names

    results: list[TestResult] = []
    blank, missing, unsupported = [], [], {}
    for i, test in enumerate(tests, 1):
        needs = free_names(test["code"])
        problem = ""
        for n in needs:
            v = values.get(n, MISSING)
            if v is NOT_ANSWERED:
                if n not in blank:
                    blank.append(n)
                problem = problem or f"{n} is not answered yet (still ...)"
            elif v is MISSING:
                if n not in missing:
                    missing.append(n)
                problem = problem or f"{n} is not defined: run the cell that computes it"
            elif isinstance(v, Unsupported):
                unsupported[n] = str(v)
                problem = problem or f"{n} cannot be checked: {v}"
        pts = float(test.get("points") or 0)
        if problem:
            results.append(TestResult(test["name"], bool(test.get("hidden")), 0.0, pts, False, problem))
            continue
        namespace = {"__builtins__": builtins, "np": np}
        namespace.update({n: values[n] for n in needs if n in values})
        filename = f"<test {name}.{i}>"
        try:
            exec(compile(test["code"], filename, "exec"), namespace)
        except Exception as err:  # a failed test, in plain words
            results.append(TestResult(test["name"], bool(test.get("hidden")), 0.0, pts, False,
                                      _failure_message(err, test["code"], filename)))
        else:
            results.append(TestResult(test["name"], bool(test.get("hidden")), pts, pts, True))
    needed = {n for test in tests for n in free_names(test["code"])}
    if needed and all(values.get(n, MISSING) is NOT_ANSWERED for n in needed):
        status, note = "not answered", f"not answered yet ({', '.join(blank)} still ...)"
    elif all(r.passed for r in results):
        status, note = "passed", ""
    elif missing:
        status, note = "not defined", f"{', '.join(missing)} not defined"
    elif unsupported:
        status = "unsupported"
        note = "; ".join(f"{k}: {v}" for k, v in unsupported.items())
    else:
        status, note = "failed", ""
    return QuestionResult(name, title, results, status, note)


# ============================================================================================
# Students: the check cells
# ============================================================================================
class CheckReport:
    """What a check cell shows: plain text (its repr), one line per test."""

    def __init__(self, text: str, result: QuestionResult | None = None):
        self.text, self.result = text, result

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.status == "passed"

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


class Checker:
    """Runs the public tests stored in an exercise notebook against the notebook's answers."""

    def __init__(self, notebook: str | os.PathLike | None = None):
        self.notebook = notebook
        self._spec: dict | None = None
        self._path: Path | None = None

    # -- finding the tests ------------------------------------------------------------------
    def _load(self, caller: dict) -> str | None:
        if self._spec is not None:
            return None
        candidates = []
        if self.notebook:
            candidates.append(Path(self.notebook))
        for hint in (caller.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
            if hint:
                candidates.append(Path(hint))
        for path in candidates:
            try:
                spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["qbi"]
                spec["questions"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            self._spec, self._path = spec, path
            return None
        return (f"Cannot find the tests of this exercise: they are stored in {self.notebook}, "
                f"which is not in this folder ({os.getcwd()}). Open the exercise from the "
                "exercises/ folder of the course repository, or give its path: "
                'grader = Checker("path/to/the/exercise.ipynb").')

    def _question(self, name: str) -> dict | None:
        for q in self._spec["questions"]:
            if q["name"] == name:
                return q
        return None

    # -- checking ---------------------------------------------------------------------------
    def _run(self, q: dict, caller: dict) -> QuestionResult:
        tests = [dict(t, hidden=False) for t in q["public"]]
        from .exercises import free_names

        names = []
        for t in tests:
            names += [n for n in free_names(t["code"]) if n not in names]
        return run_question(q["name"], q.get("title", ""), tests, answer_values(caller, names))

    def check(self, question: str) -> CheckReport:
        """Run the public tests of ``question`` (e.g. ``"q1"``) and say what passes and why."""
        if os.environ.get(GRADING_ENV):
            return CheckReport(f"{question}: checks are skipped while the notebook is graded")
        caller = sys._getframe(1).f_globals
        problem = self._load(caller)
        if problem:
            return CheckReport(problem)
        q = self._question(question)
        if q is None:
            known = ", ".join(x["name"] for x in self._spec["questions"])
            return CheckReport(f"There is no question {question!r} in this exercise (questions: {known}).")
        result = self._run(q, caller)
        return CheckReport(self._describe(q, result), result)

    @staticmethod
    def _describe(q: dict, r: QuestionResult) -> str:
        head = q.get("title") or q["name"]
        hidden = q.get("hidden", {})
        n, pts = hidden.get("tests", 0), hidden.get("points", 0)
        later = (f"{n} hidden test{'s' if n != 1 else ''} ({_fmt(pts)} point{'s' if pts != 1 else ''}) "
                 f"run{'s' if n == 1 else ''} when your notebook is graded.") if n else ""
        if r.status == "not answered":
            return (f"{head}: not answered yet. Replace each ... in the answer cell "
                    f"({', '.join(q.get('answers', []))}) with your answer, run that cell, then this one.")
        n_ok = sum(t.passed for t in r.tests)
        if r.status == "passed":
            lines = [f"{head}: all {len(r.tests)} public tests passed."]
        else:
            lines = [f"{head}: {n_ok} of {len(r.tests)} public tests passed."]
        for t in r.tests:
            mark = "\u2714 passed" if t.passed else "\u2718 FAILED"
            lines.append(f"  {mark}: {t.name}" + ("" if t.passed else f"\n      why: {t.message}"))
        if later:
            lines.append(later)
        return "\n".join(lines)

    def check_all(self) -> CheckReport:
        """The public tests of every question, and the total they give."""
        if os.environ.get(GRADING_ENV):
            return CheckReport("checks are skipped while the notebook is graded")
        caller = sys._getframe(1).f_globals
        problem = self._load(caller)
        if problem:
            return CheckReport(problem)
        lines, got, public, hidden = ["Public tests of every question:"], 0.0, 0.0, 0.0
        width = max(len(q["name"]) for q in self._spec["questions"])
        for q in self._spec["questions"]:
            r = self._run(q, caller)
            got += r.points
            public += r.max_points
            hidden += q.get("hidden", {}).get("points", 0)
            state = {"passed": "all passed", "not answered": "not answered yet"}.get(
                r.status, f"{sum(t.passed for t in r.tests)} of {len(r.tests)} passed")
            lines.append(f"  {q['name']:<{width}}  {_fmt(r.points):>5} / {_fmt(r.max_points):<5} {state}"
                         f"  - {q.get('title', '')}")
        lines.append(f"Total from the public tests: {_fmt(got)} of {_fmt(public)} points.")
        lines.append(f"The hidden tests add up to {_fmt(hidden)} more points when your notebook is "
                     f"graded ({_fmt(public + hidden)} points in all).")
        return CheckReport("\n".join(lines))


# ============================================================================================
# Grading, part 1: the worker process that runs one submission in its sandbox
# ============================================================================================
# The worker imports the ``qbi`` of the course tree it grades for (argv[2]), never another
# installed copy.  The package is loaded from its folder (the tree itself is not put on the path:
# the worker may not list or read the rest of the tree).
_BOOT = """import importlib.util, os, sys
pkg = os.path.join(sys.argv[2], "qbi")
spec = importlib.util.spec_from_file_location("qbi", os.path.join(pkg, "__init__.py"),
                                              submodule_search_locations=[pkg])
sys.modules["qbi"] = module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from qbi.grading import _worker_main
sys.exit(_worker_main(sys.argv[1]))
"""


class _TimeUp(BaseException):
    """Raised in the running cell when the submission's time is up."""


def _within(path: str, roots: list[str]) -> str | None:
    """The longest of ``roots`` that contains ``path`` (both real, absolute paths)."""
    best = None
    for root in roots:
        if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
            if best is None or len(root) > len(best):
                best = root
    return best


class _Guard:
    """Audit hook of the worker: refuses file access outside the sandbox's rules (see module doc)."""

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    ALWAYS = {"subprocess.Popen": "starting a program", "os.system": "starting a program",
              "os.exec": "starting a program", "os.posix_spawn": "starting a program",
              "os.spawn": "starting a program", "os.fork": "starting a process",
              "os.forkpty": "starting a process", "pty.spawn": "starting a program",
              "os.symlink": "making a link", "os.link": "making a link",
              "ctypes.dlopen": "loading a C library", "ctypes.dlsym": "calling into a C library",
              "ctypes.cdata": "reading raw memory", "os.startfile": "starting a program",
              "sys.addaudithook": "changing the grader's guard", "socket.connect": "network access",
              "socket.bind": "network access", "os.setuid": "changing user", "os.chroot": "chroot"}
    # event: (number of leading path arguments, positions of dir_fd arguments)
    PATH_EVENTS = {"os.remove": (1, (1,)), "os.rmdir": (1, (1,)), "os.mkdir": (1, (2,)),
                   "os.chmod": (1, (2,)), "os.chown": (1, (3,)), "os.utime": (1, (3,)),
                   "os.truncate": (1, ()), "os.rename": (2, (2, 3)), "os.chflags": (1, ()),
                   "os.lchflags": (1, ()), "os.setxattr": (1, ()), "os.removexattr": (1, ()),
                   "shutil.rmtree": (1, (1,)), "os.mkfifo": (1, (2,)), "os.mknod": (1, (3,)),
                   "sqlite3.connect": (1, ())}

    def __init__(self, sandbox: str, deny_read: list[str], allow_read: list[str], deny_list: list[str]):
        self.sandbox = os.path.realpath(sandbox)
        self.deny = [os.path.realpath(p) for p in deny_read]
        self.allow = [os.path.realpath(p) for p in allow_read] + [self.sandbox]
        self.deny_list = {os.path.realpath(p) for p in deny_list}
        self.pid = os.getpid()
        self.blocked: list[str] = []
        self.cell = 0
        self._busy = threading.local()

    def _refuse(self, what: str) -> None:
        note = f"cell {self.cell}: {what}"
        if note not in self.blocked and len(self.blocked) < 20:
            self.blocked.append(note)
        raise PermissionError(f"not allowed while grading: {what}")

    def _real(self, path) -> str | None:
        if isinstance(path, int) or path is None:
            return None
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        return os.path.realpath(str(path))

    def _may_read(self, real: str) -> bool:
        if real.startswith("/proc/"):
            part = real.split("/")[2]
            if part.isdigit() and int(part) != self.pid:
                return False
        deny, allow = _within(real, self.deny), _within(real, self.allow)
        return deny is None or (allow is not None and len(allow) >= len(deny))

    def _may_write(self, real: str) -> bool:
        return real == "/dev/null" or _within(real, [self.sandbox]) is not None

    def __call__(self, event: str, args: tuple) -> None:
        if getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            self._check(event, args)
        finally:
            self._busy.on = False

    @staticmethod
    def _from_threadpoolctl() -> bool:
        """True when the ctypes call comes straight from threadpoolctl (scikit-learn uses it to
        find and limit the BLAS/OpenMP threads) or fsspec's utilities; the first frame outside
        ctypes must be theirs."""
        import ctypes

        ctypes_dir = os.path.dirname(ctypes.__file__)
        frame = sys._getframe(3)
        while frame is not None and frame.f_code.co_filename.startswith(ctypes_dir):
            frame = frame.f_back
        if frame is None or "site-packages" not in frame.f_code.co_filename:
            return False
        # threadpoolctl (scikit-learn's thread limits); fsspec.utils (dask.bag) looks up two
        # functions of Python's own C API when it is imported
        return frame.f_code.co_filename.endswith((os.sep + "threadpoolctl.py",
                                                  os.sep + os.path.join("fsspec", "utils.py")))

    @staticmethod
    def _loopback_probe(args: tuple) -> bool:
        """A bind to a free port (0) of the loopback interface: reaches no other computer."""
        address = args[1] if len(args) > 1 else None
        return (isinstance(address, tuple) and len(address) >= 2 and address[1] == 0
                and address[0] in ("::1", "127.0.0.1", "localhost"))

    def _check(self, event: str, args: tuple) -> None:
        if event in ("ctypes.dlopen", "ctypes.dlsym") and self._from_threadpoolctl():
            return
        if event == "socket.bind" and self._loopback_probe(args):
            return  # urllib3 (imported by pydicom and nibabel) probes IPv6 by binding ::1, port 0
        if event in self.ALWAYS:
            self._refuse(f"{self.ALWAYS[event]} ({event})")
        if event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            if not (event == "os.kill" and args and args[0] == self.pid):
                self._refuse(f"sending a signal to another process ({event})")
            return
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            real = self._real(path)
            if real is None:
                return
            text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
            if mode is None and not os.path.isabs(text) and (os.sep in text or text in (".", "..")):
                # os.open(..., dir_fd=...) would resolve it elsewhere than the guard can see
                self._refuse(f"os.open of the relative path {text!r}")
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & self.WRITE_FLAGS)
            if writing and not self._may_write(real):
                self._refuse(f"writing {real}")
            if not self._may_read(real):
                self._refuse(f"reading {real}")
            return
        if event in ("os.listdir", "os.scandir"):
            real = self._real(args[0] if args else ".")
            if real is not None and (real in self.deny_list or not self._may_read(real)):
                self._refuse(f"listing {real}")
            return
        if event in self.PATH_EVENTS:
            n, dir_fds = self.PATH_EVENTS[event]
            if any(i < len(args) and args[i] not in (None, -1) for i in dir_fds):
                self._refuse(f"{event} relative to a directory descriptor")
            for path in args[:n]:
                real = self._real(path)
                if event == "os.mkdir" and real is not None and os.path.isdir(real):
                    continue  # makedirs(..., exist_ok=True) of a folder that exists: no change
                if real is not None and not self._may_write(real):
                    self._refuse(f"changing {real} ({event})")


class _CappedText(io.TextIOBase):
    """stdout/stderr of the submission: keeps the first ``cap`` characters, counts the rest."""

    def __init__(self, stream, cap: int):
        self._stream, self._left, self.truncated = stream, cap, False

    def write(self, s) -> int:
        s = s if isinstance(s, str) else str(s)
        if self._left > 0:
            part = s[: self._left]
            self._left -= len(part)
            try:
                self._stream.write(part)
            except (OSError, ValueError):
                pass
            if len(part) < len(s):
                self.truncated = True
        elif s:
            self.truncated = True
        return len(s)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"


def _first_line(source: str) -> str:
    for line in source.split("\n"):
        if line.strip() and not line.strip().startswith("#"):
            return _clip(line.strip(), 60)
    return _clip(source.strip(), 60)


def _dump(sandbox: Path, namespace: dict, names) -> None:
    """Write the answers ``names`` as plain data: ``v-NAME.json`` (+ ``v-NAME.npz``), atomically."""
    import numpy as np

    for name, value in answer_values(namespace, list(names)).items():
        arrays: dict = {}
        encoded = json.dumps(_encode(value, arrays))
        tmp_json, tmp_npz = sandbox / f".v-{name}.json", sandbox / f".v-{name}.npz"
        with open(tmp_npz, "wb") as fh:
            np.savez(fh, **arrays)
        with open(tmp_json, "w", encoding="utf-8") as fh:
            fh.write(encoded)
        os.replace(tmp_npz, sandbox / f"v-{name}.npz")
        os.replace(tmp_json, sandbox / f"v-{name}.json")


def _worker_main(spec_path: str) -> int:
    """Run a submission's code cells in this process and write its answers as plain data.

    Writes ``progress.json`` (the cell running now, errors so far) before every cell, the answers
    a cell may have changed after it (so that a later crash keeps them), and ``report.json`` at
    the end."""
    import re
    import resource

    spec = json.loads(Path(spec_path).read_text())
    sandbox = Path(spec["sandbox"])
    names = list(spec["names"])
    if spec.get("qbi_root") and REPO.resolve() != Path(spec["qbi_root"]).resolve():
        # another qbi than the grader's: its tests and its guard are not the ones under test
        report = {"errors": [{"cell": 0, "line": "", "type": "GraderMismatch",
                              "message": f"the grading process imported qbi from {REPO}, "
                                         f"not from the course tree {spec['qbi_root']}"}],
                  "timed_out": None, "cells_run": 0}
        (sandbox / "report.json").write_text(json.dumps(report))
        return 2
    started = time.monotonic()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long file write fails instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (spec["max_file_bytes"], spec["max_file_bytes"]))
    if spec.get("max_memory_bytes"):
        resource.setrlimit(resource.RLIMIT_AS, (spec["max_memory_bytes"], spec["max_memory_bytes"]))
    nb = json.loads((sandbox / "submission.ipynb").read_text(encoding="utf-8", errors="replace"))
    cells = []
    for i, cell in enumerate(nb.get("cells", []), 1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            src = cell.get("source", "")
            cells.append((i, "".join(src) if isinstance(src, list) else str(src)))

    log = open(sandbox / "output.txt", "w", encoding="utf-8", errors="replace")
    out = _CappedText(log, spec["max_output_chars"])
    import numpy  # noqa: F401  (loaded before the guard: it loads C libraries)
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    sys.stdout = sys.stderr = out
    report: dict = {"errors": [], "timed_out": None, "cells_run": 0, "n_cells": len(nb.get("cells", []))}
    guard = _Guard(str(sandbox), spec["deny_read"], spec["allow_read"], spec["deny_list"])

    def save_progress(index, source) -> None:
        state = dict(report, cell=index, line=_first_line(source), blocked=guard.blocked,
                     output_truncated=out.truncated)
        with open(sandbox / ".progress.json", "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        os.replace(sandbox / ".progress.json", sandbox / "progress.json")

    sys.addaudithook(guard)

    def time_up(signum, frame):
        raise _TimeUp()

    signal.signal(signal.SIGALRM, time_up)
    left = spec["timeout"] - (time.monotonic() - started)
    signal.setitimer(signal.ITIMER_REAL, max(left, 0.5))
    alarm = {signal.SIGALRM}
    index, source = 0, ""
    try:
        for index, source in cells:
            guard.cell = index
            signal.pthread_sigmask(signal.SIG_BLOCK, alarm)  # the grader's own writes finish
            try:
                save_progress(index, source)
                before = {n: id(shell.user_ns.get(n, _dump)) for n in names}
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, alarm)
            try:
                result = shell.run_cell(source, store_history=False)
                error = result.error_before_exec or result.error_in_exec
            except BaseException as err:  # noqa: BLE001 - anything the cell did, the time limit too
                error = err
            report["cells_run"] += 1
            if isinstance(error, _TimeUp):
                report["timed_out"] = {"cell": index, "line": _first_line(source)}
                break
            if error is not None:
                text = f"{error.msg} (line {error.lineno})" if isinstance(error, SyntaxError) else str(error)
                report["errors"].append({"cell": index, "line": _first_line(source),
                                         "type": type(error).__name__, "message": _clip(text, 300)})
            signal.pthread_sigmask(signal.SIG_BLOCK, alarm)
            try:
                changed = [n for n in names if re.search(rf"\b{n}\b", source)
                           or id(shell.user_ns.get(n, _dump)) != before[n]]
                if changed:
                    _dump(sandbox, shell.user_ns, changed)
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, alarm)
    except _TimeUp:
        report["timed_out"] = report["timed_out"] or {"cell": index, "line": _first_line(source)}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    guard.cell = "after the last"
    _dump(sandbox, shell.user_ns, names)
    report.update(blocked=guard.blocked, output_truncated=out.truncated)
    with open(sandbox / ".report.json", "w", encoding="utf-8") as fh:
        json.dump(report, fh)
    os.replace(sandbox / ".report.json", sandbox / "report.json")
    out.flush()
    return 0


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
        from . import exercises

        self.week = f"{int(week):02d}"
        self.solution = Path(solution) if solution else exercises.solution_for_week(self.week)
        self.assignment = exercises.parse(self.solution)
        self.options = options or Options()
        self.matplotlib_dir: str | None = None
        self.names: list[str] = []
        for q in self.assignment.questions:
            self.names += [n for n in q.answers if n not in self.names]

    # -- preparation in the grader: data and caches the submissions may only read -------------
    def prepare(self) -> None:
        import re

        from . import data

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

        from . import data

        deny = [REPO, batch] + [Path(p) for p in protect] + list(self.options.deny_read)
        allow = [REPO / "qbi", data.data_dir(), Path(sys.prefix), Path(sys.base_prefix),
                 Path(sys.exec_prefix), sandbox]
        allow += [Path(p) for p in site.getsitepackages() if p]
        allow += [Path(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")]
        return [str(p) for p in deny], [str(p) for p in allow]

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
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JPY_", "QBI_"))}
            from . import data

            if self.matplotlib_dir:
                env["MPLCONFIGDIR"] = self.matplotlib_dir
            env.update({GRADING_ENV: "1", "QBI_DATA_DIR": str(data.data_dir()), "MPLBACKEND": "Agg",
                        "TMPDIR": str(sandbox), "HOME": str(sandbox), "IPYTHONDIR": str(sandbox / ".ipython"),
                        "XDG_CACHE_HOME": str(sandbox / ".cache"), "XDG_CONFIG_HOME": str(sandbox / ".config"),
                        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
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
        try:
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
            shutil.rmtree(batch, ignore_errors=True)


def write_results(rows: list[Row], questions: list[str], out: Path, paths: list[Path] | None = None,
                  students=None, missing=(), week: str = "", points: dict | None = None) -> Path:
    """Write the CSV and the feedback files (in a folder named like the CSV, next to it); with
    ``students`` (:func:`qbi.gradebook.identify`) also the LMS imports and the class report."""
    from . import gradebook

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

    from . import gradebook

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

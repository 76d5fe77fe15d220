"""The sandboxed run of one submission: the worker process, its audit-hook guard and time limit.

The grader (:mod:`qbi.grading.batch`) starts ``python -I -B -c _BOOT spec.json COURSE_TREE`` in an
empty temporary folder; :data:`_BOOT` imports the ``qbi`` of that course tree and calls
:func:`_worker_main`, which runs the notebook's code cells in IPython under :class:`_Guard` (refuses
writes outside the folder, reading the course tree, starting programs, signalling other
processes), a time limit (:class:`_TimeUp`), capped output (:class:`_CappedText`) and file-size and
memory limits, and saves the answers as plain data (:func:`_dump`) after every cell.

Starting Python and importing the libraries costs more than most exercises take to run, so a batch
starts one :class:`ForkServer` (``_BOOT --fork-server``, on Linux): it imports the modules the
solution imports once, runs no submission code itself, and forks each worker, which then becomes
exactly such a worker (its own session, folder, environment, output file; no other open file).
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .checks import _clip
from .transport import _encode, answer_values

REPO = Path(__file__).resolve().parents[2]  # the course tree this qbi belongs to


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
from qbi.grading.sandbox import _fork_server_main, _worker_main
sys.exit(_fork_server_main(sys.argv[3]) if sys.argv[1] == "--fork-server" else _worker_main(sys.argv[1]))
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
# The fork server: the libraries imported once per batch, a forked worker per submission
# ============================================================================================
# Python's start and the imports of numpy, IPython, matplotlib, dask, scikit-image... cost about
# 3 s of CPU per submission, most of the work of a short exercise.  The grader starts one fork
# server per batch (``python -I -B -c _BOOT --fork-server COURSE_TREE spec.json``: it imports the
# tree's qbi like a worker does).  It imports the modules the solution notebook imports and never
# runs submission code.  Each request forks a child that turns itself into the worker ``_BOOT``
# would have started (:func:`_become_worker`); the guard, the time limit and the resource limits
# are then set by :func:`_worker_main` in the child, as in a worker of its own.  If the server
# cannot start, or an import started a thread (forking would then be unsafe), the grader starts
# one process per submission instead.
def notebook_imports(path: Path) -> list[str]:
    """The import statements of a notebook's code cells (``import a.b as c``, ``from a import b``),
    each once, as code.  Running them loads what the notebook loads, lazily loaded submodules too."""
    import ast

    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return []
    names: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else str(source))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and not node.level
                                                and all(a.name != "*" for a in node.names)):
                line = ast.unparse(node)
                if line not in names:
                    names.append(line)
    return names


def _threads() -> int:
    """Threads of this process, native ones included (Linux); else the Python threads."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _send(message: dict) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def _fork_server_main(spec_path: str) -> int:
    """The fork server: import, say whether forking is safe, then fork a worker per request.

    ``spec.json`` holds ``preload``, the import statements to run first (:func:`notebook_imports`).
    Requests (stdin, one JSON line each): ``{"id", "spec", "cwd", "log", "env"}``.  Answers (stdout):
    ``{"ready": bool}`` once, then ``{"id", "pid"}`` per fork and ``{"id", "exit"}`` when that
    worker has ended (its exit status, negative for a signal, as :attr:`subprocess.Popen.returncode`)."""
    import importlib
    import select

    spec = json.loads(Path(spec_path).read_text())
    for name in ["numpy", "IPython.core.interactiveshell", "traitlets.config"]:
        importlib.import_module(name)
    for statement in spec.get("preload", []):  # import statements only (see notebook_imports)
        try:
            exec(compile(statement, "<preload>", "exec"), {})
        except Exception:  # noqa: BLE001 - a module this environment lacks: the worker will say so
            pass
    threads = _threads()
    safe = threads == 1 and hasattr(os, "fork")
    _send({"ready": safe, "threads": threads})
    if not safe:
        return 3
    children: dict[int, int] = {}
    buffer = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.05)
        if readable:
            chunk = os.read(0, 1 << 16)
            if not chunk:  # the grader closed the server
                return 0
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                try:
                    pid = os.fork()
                except OSError as err:
                    _send({"id": request["id"], "error": str(err)})
                    continue
                if pid == 0:
                    _become_worker(request)  # never returns
                children[pid] = request["id"]
                _send({"id": request["id"], "pid": pid})
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in children:
                _send({"id": children.pop(pid), "exit": os.waitstatus_to_exitcode(status)})


def _become_worker(request: dict) -> None:
    """In the forked child: become the worker ``_BOOT`` starts (``start_new_session``, ``cwd``,
    ``env``, stdin from /dev/null, stdout and stderr to the log, no other open file), run it, exit."""
    code = 1
    try:
        os.setsid()
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 1 << 16)  # the server's pipes to the grader among them
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import random
        import tempfile

        tempfile.tempdir = None  # from TMPDIR again
        random.seed()  # not the server's random state
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        sys.argv = ["-c", request["spec"], str(REPO)]
        code = _worker_main(request["spec"])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported in the log, as a worker's crash would be
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


class _ForkedWorker:
    """A worker forked by the :class:`ForkServer`: the part of :class:`subprocess.Popen` the grader uses."""

    def __init__(self):
        self.pid: int | None = None
        self.returncode: int | None = None
        self.started, self.done = threading.Event(), threading.Event()

    def wait(self, timeout: float | None = None) -> int | None:
        if not self.done.wait(timeout):
            raise subprocess.TimeoutExpired("forked worker", timeout)
        return self.returncode


class ForkServer:
    """The grader's end of the fork server (see above): ``start(...)`` forks a worker, or gives
    None when the server is not available (the grader then starts a process of its own)."""

    def __init__(self, folder: Path, env: dict, preload: list[str], timeout: float = 120.0):
        spec = Path(folder) / "fork-server.json"
        spec.write_text(json.dumps({"preload": list(preload)}))
        self._log = open(Path(folder) / "fork-server.log", "wb")
        self._lock = threading.Lock()
        self._workers: dict[int, _ForkedWorker] = {}
        self._next = 0
        self._answered = threading.Event()
        self.ready, self.threads = False, None
        self._proc = subprocess.Popen([sys.executable, "-I", "-B", "-c", _BOOT, "--fork-server", str(REPO),
                                       str(spec)], cwd=folder, env=env, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._log, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        self._answered.wait(timeout)
        if not self.ready:
            self.close()

    def _read(self) -> None:
        for line in self._proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "ready" in message:
                self.ready = message["ready"] is True
                self.threads = message.get("threads")  # more than 1: not ready (e.g. BLAS threads)
                self._answered.set()
                continue
            with self._lock:
                worker = self._workers.get(message.get("id"))
                if "exit" in message or "error" in message:
                    self._workers.pop(message.get("id"), None)
            if worker is None:
                if isinstance(message.get("pid"), int):  # forked after the grader gave up on it
                    _kill_group(message["pid"])
                continue
            if "pid" in message:
                worker.pid = message["pid"]
                worker.started.set()
            else:
                worker.returncode = message.get("exit")
                worker.started.set()
                worker.done.set()
        self.ready = False  # the server has ended: nothing more will come
        self._answered.set()
        with self._lock:
            for worker in self._workers.values():
                worker.started.set()
                worker.done.set()
            self._workers.clear()

    def start(self, spec: Path, cwd: Path, log: Path, env: dict) -> _ForkedWorker | None:
        """Fork a worker for ``spec`` (as ``_BOOT spec`` in ``cwd`` with ``env``, output to ``log``)."""
        worker = _ForkedWorker()
        with self._lock:
            if not self.ready:
                return None
            self._next += 1
            ident = self._next
            self._workers[ident] = worker
            request = {"id": ident, "spec": str(spec), "cwd": str(cwd), "log": str(log), "env": env}
            try:
                self._proc.stdin.write((json.dumps(request) + "\n").encode())
                self._proc.stdin.flush()
            except (OSError, ValueError):
                self._workers.pop(ident, None)
                self.ready = False
                return None
        if not worker.started.wait(60) or worker.pid is None:
            with self._lock:
                self._workers.pop(ident, None)
            return None
        return worker

    def close(self) -> None:
        self.ready = False
        try:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        _kill_group(self._proc.pid)
        self._proc.wait()
        self._log.close()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
